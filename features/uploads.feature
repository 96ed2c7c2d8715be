@uploads @login
Feature: Presigned uploads
  The frontend asks the backend for a presigned POST and sends the file straight to storage.
  The storage must enforce what the backend signed; the backend must refuse what it must not
  sign.

  Scenario: A presigned upload is stored
    Given a signed-in user
    When a file is presigned and posted to storage
    Then the storage accepts it
    And the object is reported stored

  Scenario Outline: The storage refuses <tampering>
    Given a signed-in user
    When a file is presigned and posted to storage with <tampering>
    Then the storage refuses it

    Examples:
      | tampering             |
      | a wrong content type  |
      | a file over the limit |
      | a tampered key        |

  Scenario: Presigning needs credentials
    When an upload is presigned without credentials
    Then the answer is 401 in the error envelope

  Scenario Outline: The backend refuses to presign <request>
    Given a signed-in user
    When <request> is presigned
    Then the backend refuses it in the error envelope

    Examples:
      | request                          |
      | a content type that is not allowed |
      | a size over the limit            |

  Scenario: File names never reach the key unsanitized
    Given a signed-in user
    When an upload named "../../etc/passwd" is presigned
    Then the key does not contain the name unsanitized
