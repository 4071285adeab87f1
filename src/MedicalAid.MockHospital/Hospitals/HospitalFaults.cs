namespace MedicalAid.MockHospital.Hospitals;

/// <summary>How a mock hospital system fails a callback delivery.</summary>
internal enum FaultKind
{
    None,

    /// <summary>Answer 500: the hospital could not store the delivery.</summary>
    Error,

    /// <summary>
    /// Drop the connection without an answer, after the delivery was stored: the answer is what is lost, so MedicalAid's
    /// redelivery is recognised as a duplicate.
    /// </summary>
    Drop,
}

/// <summary>The faults a mock hospital system injects into the callbacks it receives.</summary>
internal sealed record HospitalFaults
{
    public static HospitalFaults None { get; } = new();

    /// <summary>Share of deliveries answered with 500, drawn from the system's seeded random.</summary>
    public double ErrorRate { get; init; }

    /// <summary>Share of deliveries whose connection is dropped, drawn from the system's seeded random.</summary>
    public double DropRate { get; init; }

    /// <summary>How long the system takes to answer each delivery.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>A fault for the first attempt of every delivery (by delivery id), so that only a redelivery succeeds.</summary>
    public FaultKind FirstAttempt { get; init; }

    /// <summary>How many attempts of every delivery (by delivery id) are answered 500 before one is accepted.</summary>
    public int FailFirstAttempts { get; init; }
}
