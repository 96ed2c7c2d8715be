@websocket
Feature: WebSocket authentication
  The spec's WebSocket (`x-accord-websocket`) authenticates at the handshake with the access
  token, in the `Authorization` header or, for browsers, the query. A handshake without a
  valid token, or from a refused origin (cross-site WebSocket hijacking), is refused; a valid
  one connects and receives an event after a write through the REST API.

  Scenario Outline: A handshake with <credentials> is refused
    When the WebSocket is opened with <credentials>
    Then the handshake is refused

    Examples:
      | credentials                       |
      | no token                          |
      | a malformed token                 |
      | a token with an altered signature |
      | an alg none token                 |
      | a token signed by an unknown key  |

  @login @expiry
  Scenario: A handshake with an expired token is refused
    When the WebSocket is opened with an expired token
    Then the handshake is refused as expired

  @login @cors
  Scenario: A handshake from a refused origin is refused
    Given a signed-in user
    When the WebSocket is opened with the user's token from a refused origin
    Then the handshake is refused for its origin

  @login @writes
  Scenario: A valid token connects and receives an event after a write
    Given a signed-in user
    When the WebSocket is opened with the user's token in the header
    Then it connects
    When the WebSocket is opened with the user's token in the query
    Then it connects
    When the user creates a resource through the REST API
    Then the WebSocket receives an event
