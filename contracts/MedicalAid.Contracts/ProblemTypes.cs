namespace MedicalAid.Contracts;

/// <summary>The stable <c>type</c> of every problem (RFC 9457) the API answers with.</summary>
public static class ProblemTypes
{
    public const string Prefix = "urn:medicalaid:problem:";

    public const string Validation = Prefix + "validation";
    public const string Unauthorized = Prefix + "unauthorized";
    public const string Forbidden = Prefix + "forbidden";
    public const string TooManyRequests = Prefix + "too-many-requests";
    public const string Duplicate = Prefix + "duplicate";
    public const string PolicyOverlap = Prefix + "policy-overlap";
    public const string NotFound = Prefix + "not-found";
    public const string BeneficiaryNotEligible = Prefix + "beneficiary-not-eligible";
    public const string IdentityMismatch = Prefix + "identity-mismatch";
    public const string NoPolicyInForce = Prefix + "no-policy-in-force";
    public const string FundNotOpen = Prefix + "fund-not-open";
    public const string IdempotencyKeyMissing = Prefix + "idempotency-key-missing";
    public const string IdempotencyKeyReused = Prefix + "idempotency-key-reused";
    public const string RequestInProgress = Prefix + "request-in-progress";
    public const string VisitAlreadySettled = Prefix + "visit-already-settled";
    public const string RequestVoided = Prefix + "request-voided";
    public const string PayloadTooLarge = Prefix + "payload-too-large";
    public const string RequestTimeout = Prefix + "request-timeout";
    public const string UnsupportedMediaType = Prefix + "unsupported-media-type";
    public const string Busy = Prefix + "busy";
    public const string Internal = Prefix + "internal";
}
