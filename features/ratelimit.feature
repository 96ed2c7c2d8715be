@ratelimit @serial
Feature: Rate limits
  Login (or the operation the profile names) is limited: a bounded burst meets a 429 in the
  error envelope with `Retry-After`, that an allowed origin can read; after waiting that long
  the request is allowed again. The burst is small, paced, and aimed at loopback or staging.

  Scenario: A burst meets 429 with Retry-After, and waiting lifts it
    When a paced burst of sign-ins is sent from an allowed origin
    Then it meets a 429 in the error envelope with Retry-After
    And the 429 carries the CORS headers of the allowed origin
    When the client waits as long as Retry-After says
    Then the request is allowed again
