namespace MedicalAid.Contracts;

/// <summary>A clearing statement (清算) as delivered to a hospital's callback URL.</summary>
public sealed record class ClearingStatementNotice
{
    public required Guid StatementId { get; init; }

    public required string HospitalCode { get; init; }

    /// <summary>The month cleared, yyyy-MM.</summary>
    /// <example>2026-11</example>
    public required string Month { get; init; }

    public required int SettlementCount { get; init; }

    public required int ReversalCount { get; init; }

    /// <summary>Owed per channel, settlements minus reversals, in yuan.</summary>
    public required IReadOnlyList<ChannelAmount> Channels { get; init; }

    public required decimal TotalOwed { get; init; }

    public required DateTimeOffset IssuedAt { get; init; }

    /// <summary>Where the hospital acknowledges receipt: POST /api/v1/clearing-statements/{id}/acknowledgement.</summary>
    public required string AcknowledgementPath { get; init; }
}

/// <summary>A notice to a hospital system.</summary>
public sealed record class HospitalNotification
{
    public required Guid NotificationId { get; init; }

    /// <example>settlement-reversed-by-staff</example>
    public required string Kind { get; init; }

    public required string Message { get; init; }

    public Guid? SettlementId { get; init; }

    public required DateTimeOffset At { get; init; }
}
