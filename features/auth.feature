@auth
Feature: Authentication
  Every operation the spec secures refuses a request without valid credentials with a 401
  (not a 403, not a 200, not a 500) that carries a `WWW-Authenticate: Bearer` challenge, in
  the error envelope; and accepts a valid token.

  Scenario Outline: Secured operations refuse <credentials>
    When every secured operation is called with <credentials>
    Then every answer is 401 with a Bearer challenge in the error envelope
    And every exchange matched the spec

    Examples:
      | credentials                      |
      | no token                         |
      | a malformed token                |
      | a token with an altered signature |
      | an alg none token                |
      | a token signed by an unknown key |

  @login
  Scenario: A valid token is accepted
    Given a signed-in user
    When every secured read operation is called with the user's token
    Then no answer is 401 or 403
    And every exchange matched the spec
