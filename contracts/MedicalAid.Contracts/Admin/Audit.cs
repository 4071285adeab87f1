namespace MedicalAid.Contracts.Admin;

/// <summary>One staff change.</summary>
public sealed record class AuditEntryResponse
{
    public required long Id { get; init; }

    public required DateTimeOffset At { get; init; }

    /// <summary>The staff member, from their token's name (or subject).</summary>
    public required string Actor { get; init; }

    /// <example>beneficiary.status-changed</example>
    public required string Action { get; init; }

    /// <example>beneficiary</example>
    public required string EntityType { get; init; }

    public required string EntityId { get; init; }

    /// <summary>The record before the change, as JSON; null for a creation.</summary>
    public string? Before { get; init; }

    /// <summary>The record after the change, as JSON.</summary>
    public string? After { get; init; }
}
