@behaviour @login
Feature: The API's own behaviour
  Generated from the spec for every operation: valid inputs get a documented answer, what is
  created reads back, lists, updates and deletes as written, a second user cannot reach it,
  inputs that break one constraint are refused, and an expired token is refused. An
  operation's boundary search stops at its first server error, its broken-input search at
  its first failure, as a fuzzer's does.
  Writes only touch what the run created, and what is left is deleted at the end.

  @positive
  Scenario: Valid requests get a documented answer, never a server error
    Given a signed-in user
    When every operation is called with valid inputs generated from the spec
    Then every answer is documented, valid against the spec, and never a server error

  @boundary
  Scenario: Boundary inputs never crash the backend
    Given a signed-in user
    When every operation is called with boundary inputs from the spec
    Then no boundary input gets a server error, and what the spec refuses gets a 4xx

  @writes
  Scenario: What is created reads back, is listed and updates
    Given a signed-in user
    When every resource the spec can create is created
    Then each create's Location resolves to it
    And each reads back as written
    And each is listed
    And each update persists
    And every resource the spec can create was created

  @writes
  Scenario: What is deleted is gone, with what lies under it
    Given a signed-in user
    When every resource the spec can create is created
    Then after delete each reads as 404

  @writes @second_user
  Scenario: A second user cannot reach the first user's resources
    Given a signed-in user
    And a second signed-in user
    When every resource the spec can create is created
    Then the second user cannot read, change or delete them, nor see them listed

  @roles
  Scenario: Operations of another role refuse a user without it
    Given a signed-in user
    When every operation of another role is called by the user
    Then each is refused with 401, 403 or 404

  Scenario: Inputs that break one constraint are refused
    Given a signed-in user
    When every operation is called with inputs that break one constraint each
    Then every answer is a 4xx in the error envelope

  @expiry
  Scenario: An expired access token is refused
    Given a signed-in user
    When the access token is left to expire
    Then a secured operation refuses it with 401 and error="invalid_token"
