@refresh @login
Feature: Token refresh
  A frontend keeps its user signed in by exchanging the refresh token for a new pair. Used
  refresh tokens must die, a reused one must kill its whole family, and logout must end it.
  A reuse or a logout may sign the user out everywhere: those scenarios run alone (@serial).

  Scenario: Login gives a working pair and refresh gives a working access token
    Given a user signed in for this scenario
    Then the access token is accepted
    When the refresh token is exchanged
    Then the new access token is accepted

  @rotation @serial
  Scenario: A refresh token cannot be used twice
    Given a user signed in for this scenario
    When the refresh token is exchanged
    Then the previous refresh token is refused

  @reuse @serial
  Scenario: Reusing a refresh token revokes its family
    Given a user signed in for this scenario
    When the refresh token is exchanged
    And the previous refresh token is presented again
    Then the newest refresh token is refused too

  @logout @serial
  Scenario: After logout the refresh token is refused
    Given a user signed in for this scenario
    When the user logs out
    Then the refresh token is refused

  Scenario: An access token is not a refresh token
    Given a user signed in for this scenario
    When the access token is presented as a refresh token
    Then it is refused
