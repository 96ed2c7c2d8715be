@errors
Feature: Error envelopes
  A frontend handles errors in one place, so every non-2xx must come in the one envelope the
  profile names, with the status the spec documents for the operation (400 or 422 for a body
  it cannot take, 401 or 403 without credentials; the usual one below where the spec is
  silent). For RFC 9457 problems, `status` equals the HTTP status and `request_id` equals the
  `X-Request-Id` header. Every exchange is also checked against the spec: what it breaks is
  a spec finding of its own. One cause fails one scenario: where the run also checks every
  secured operation without a token (Authentication), which of 401 and 403 is judged there;
  where it sends every path the methods it lacks, which status a wrong method gets is
  judged there. The envelope is judged here all the same.

  Scenario Outline: <case> is answered <status> in the error envelope
    When <case> is sent
    Then the answer is <status> in the error envelope

    Examples:
      | case                                | status |
      | a request to an unknown route       | 404    |
      | a request without credentials       | 401    |

    # An undocumented method may still write on a broken backend: not under --read-only.
    @writes
    Examples:
      | case                                | status |
      | a request with a wrong method       | 405    |

  @login
  Scenario Outline: <case> is answered <status> in the error envelope
    Given a signed-in user
    When <case> is sent
    Then the answer is <status> in the error envelope

    Examples:
      | case                                | status |
      | a request for a missing resource    | 404    |

    @writes
    Examples:
      | case                                | status |
      | a body of malformed JSON            | 400    |
      | a body with a wrong content type    | 415    |
      | a body missing a required field     | 422    |
      | a body with a field of a wrong type | 422    |

  Scenario: Every path answers a method it does not document with the methods it has
    When each path is sent OPTIONS where the spec does not document it
    Then each answer is a 405 in the error envelope, or a 2xx, with every documented method in Allow

  # Sent without credentials or a body, to ids that name nothing; only GET under --read-only.
  Scenario: Every path refuses the methods it does not document
    When each path is sent the methods the spec does not document for it
    Then each is answered 405 in the error envelope, with every documented method in Allow
