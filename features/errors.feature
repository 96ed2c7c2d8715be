@errors
Feature: Error envelopes
  A frontend handles errors in one place, so every non-2xx must come in the one envelope the
  profile names, with the right status. For RFC 9457 problems, `status` equals the HTTP status
  and `request_id` equals the `X-Request-Id` header.

  Scenario Outline: <case> is answered <status> in the error envelope
    When <case> is sent
    Then the answer is <status> in the error envelope
    And every exchange matched the spec

    Examples:
      | case                                | status |
      | a request to an unknown route       | 404    |
      | a request with a wrong method       | 405    |
      | a request without credentials       | 401    |

  @login
  Scenario Outline: <case> is answered <status> in the error envelope
    Given a signed-in user
    When <case> is sent
    Then the answer is <status> in the error envelope
    And every exchange matched the spec

    Examples:
      | case                                | status |
      | a body of malformed JSON            | 400    |
      | a body with a wrong content type    | 415    |
      | a body missing a required field     | 422    |
      | a body with a field of a wrong type | 422    |
      | a request for a missing resource    | 404    |
