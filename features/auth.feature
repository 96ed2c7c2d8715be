@auth
Feature: Authentication
  Every operation the user's token scheme secures refuses a request without valid
  credentials with the status its spec documents (401; 403 where only 403 is documented;
  never a 200 or a 500), with the scheme's challenge where it defines one
  (`WWW-Authenticate: Bearer` for a bearer token), in the error envelope; and accepts a
  valid token. The token travels as the spec's security scheme says. One cause fails one
  scenario: a missing challenge, or a forged token answered with the same wrong status as no
  token, is judged on the no-token answers only; a forged signature or algorithm answered as
  a malformed token is, on the malformed token's; a token taken on an operation that
  answers no token as well is the no-token scenario's failure alone. Where the spec secures
  no operation and the backend refuses its reads without the profile's credentials all the
  same, every operation but the sign-in is held as secured (one spec finding says so); one
  that answers without any token there is noted, not failed.

  Scenario Outline: Secured operations refuse <credentials>
    When every secured operation is called with <credentials>
    Then every answer is refused as the spec documents, with the scheme's challenge, in the error envelope

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
    Then no answer refuses the token

  @login @writes @cookie_session
  Scenario: A write in a cookie session without the CSRF header is refused
    Given a signed-in user
    When a write is sent in the session without the CSRF header its sign-in set a cookie for
    Then it is refused with 401 or 403
