@apikey
Feature: API keys
  Services call the API with a key of an `apiKey` security scheme instead of a user's token.
  Every operation the scheme secures refuses a missing, malformed or unknown key with the
  status it documents (401, or 403 where only 403 is documented) in the error envelope,
  accepts a valid one on the operations that only read, refuses it once revoked, and never
  echoes a key back in any answer.

  Scenario Outline: Operations secured by an API key refuse <key>
    When every operation the API key scheme secures is called with <key>
    Then every answer is refused as the spec documents, in the error envelope, without the key

    Examples:
      | key                 |
      | no key              |
      | a malformed key     |
      | an unknown key      |

  @apikey_valid @login
  Scenario: A valid API key is accepted, and never echoed
    Given a signed-in user
    And a valid API key
    When every operation the API key scheme secures is called with the key
    Then no answer refuses the key
    And no answer echoes the key

  @apikey_revoke @login @writes
  Scenario: A revoked API key is refused
    Given a signed-in user
    And a valid API key
    When the API key is revoked
    And every operation the API key scheme secures is called with the key
    Then every answer is refused as the spec documents, in the error envelope, without the key
