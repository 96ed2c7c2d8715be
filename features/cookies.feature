@cookies @login @refresh
Feature: The refresh token in a cookie
  A backend that keeps the refresh token out of JavaScript sets it in a cookie the page
  cannot read: HttpOnly, Secure, SameSite Lax or Strict, scoped to the auth routes, with a
  lifetime. The cookie alone refreshes, logout clears it, and a forged cross-site request
  riding on it is refused.

  Scenario: Login sets the refresh cookie with safe attributes
    Given a user signed in for this scenario
    Then the refresh cookie is HttpOnly, Secure, SameSite Lax or Strict, scoped and bounded

  Scenario: The cookie alone refreshes the session
    Given a user signed in for this scenario
    When the session is refreshed with the cookie alone from an allowed origin
    Then a new access token is issued and the cookie is renewed

  @logout @serial
  Scenario: Logout clears the refresh cookie
    Given a user signed in for this scenario
    When the user logs out
    Then the refresh cookie is cleared
    And the cleared session cannot refresh

  Scenario: A cookie refresh from a refused origin is refused
    Given a user signed in for this scenario
    When the session is refreshed with the cookie from a refused origin
    Then the request is refused without a new session

  @double_submit
  Scenario: A cookie refresh without the CSRF header is refused
    Given a user signed in for this scenario
    When the session is refreshed with the cookie but without the CSRF header
    Then the request is refused without a new session
