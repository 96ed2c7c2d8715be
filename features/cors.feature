@cors
Feature: CORS
  Browsers only let a frontend read what CORS allows. An allowed origin gets exactly itself
  back (never `*` with credentials), with the method and headers it asked for; every other
  origin, and `null`, gets no `Access-Control-Allow-Origin` at all.

  Scenario: A preflight from an allowed origin is answered for that origin
    When a preflight for POST with Authorization and Content-Type is sent from an allowed origin
    Then the allowed origin is echoed exactly, with credentials as configured
    And the requested method and headers are allowed
    And the answer varies by Origin

  Scenario: An actual request from an allowed origin exposes the configured headers
    When a request is sent from an allowed origin
    Then the allowed origin is echoed exactly, with credentials as configured
    And the configured headers are exposed

  Scenario Outline: <origin> gets no Access-Control-Allow-Origin
    When a preflight and a request are sent from <origin>
    Then no Access-Control-Allow-Origin is sent

    Examples:
      | origin           |
      | a refused origin |
      | the null origin  |

  @login
  Scenario: Error answers carry CORS headers for an allowed origin
    Given a signed-in user
    When error answers are provoked from an allowed origin
    Then each error answer carries the allowed origin's CORS headers
