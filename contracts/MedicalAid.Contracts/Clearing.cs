using System.Text.Json.Serialization;

namespace MedicalAid.Contracts;

/// <summary>Where a clearing statement stands: issued, acknowledged by the hospital, paid by staff.</summary>
[JsonConverter(typeof(StrictEnumConverter<ClearingStatementStatus>))]
public enum ClearingStatementStatus
{
    [JsonStringEnumMemberName("issued")]
    Issued,

    [JsonStringEnumMemberName("acknowledged")]
    Acknowledged,

    [JsonStringEnumMemberName("paid")]
    Paid,
}

/// <summary>The answer to a hospital's acknowledgement of a clearing statement.</summary>
public sealed record class ClearingAcknowledgement
{
    public required Guid StatementId { get; init; }

    /// <example>2026-10</example>
    public required string Month { get; init; }

    /// <summary>acknowledged, or paid if staff have already paid it.</summary>
    public required ClearingStatementStatus Status { get; init; }

    public required DateTimeOffset AcknowledgedAt { get; init; }
}
