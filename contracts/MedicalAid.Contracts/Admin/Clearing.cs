namespace MedicalAid.Contracts.Admin;

/// <summary>Run clearing (清算) for a month: one statement per active hospital.</summary>
public sealed record class ClearingRunRequest
{
    /// <summary>The month to clear, yyyy-MM; it must have ended (in Asia/Shanghai).</summary>
    /// <example>2026-10</example>
    public required string Month { get; init; }
}

/// <summary>The statements of a month: those this run issued and those an earlier run had already issued.</summary>
public sealed record class ClearingRunResponse
{
    /// <example>2026-10</example>
    public required string Month { get; init; }

    /// <summary>How many statements this run issued (0 when the month had already been cleared).</summary>
    public required int Created { get; init; }

    public required IReadOnlyList<ClearingStatementResponse> Statements { get; init; }
}

/// <summary>A clearing statement as staff see it, with the state of its delivery to the hospital.</summary>
public sealed record class ClearingStatementResponse
{
    public required Guid StatementId { get; init; }

    public required string HospitalCode { get; init; }

    /// <example>2026-10</example>
    public required string Month { get; init; }

    public required int SettlementCount { get; init; }

    public required int ReversalCount { get; init; }

    /// <summary>Owed per channel, settlements minus reversals of the month, in yuan, in settlement order.</summary>
    public required IReadOnlyList<ChannelAmount> Channels { get; init; }

    public required decimal TotalOwed { get; init; }

    public required ClearingStatementStatus Status { get; init; }

    public required DateTimeOffset IssuedAt { get; init; }

    public DateTimeOffset? AcknowledgedAt { get; init; }

    public DateTimeOffset? PaidAt { get; init; }

    /// <summary>When the hospital's callback accepted the statement; null while delivery is pending.</summary>
    public DateTimeOffset? DeliveredAt { get; init; }

    public required int DeliveryAttempts { get; init; }
}
