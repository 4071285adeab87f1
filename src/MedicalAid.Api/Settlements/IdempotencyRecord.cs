using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedicalAid.Api.Settlements;

public enum IdempotentOperation
{
    Settlement,
    Reversal,

    /// <summary>Voided by a reversal by request before anything arrived under the key: a late original is refused.</summary>
    Voided,
}

/// <summary>
/// What a hospital's Idempotency-Key was used for, with a fingerprint of the request and the response to replay.
/// The primary key (hospital, key) is what makes a concurrent duplicate fail instead of settling twice.
/// </summary>
public sealed class IdempotencyRecord
{
    public const int MaxKeyLength = 255;

    public int HospitalId { get; set; }

    public required string Key { get; set; }

    public IdempotentOperation Operation { get; set; }

    /// <summary>SHA-256 of method, path and the canonical JSON body.</summary>
    public required string RequestFingerprint { get; set; }

    public int ResponseStatus { get; set; }

    public string? ResponseBody { get; set; }

    public Guid? SettlementId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> builder)
    {
        builder.HasKey(record => new { record.HospitalId, record.Key });
        builder.Property(record => record.Key).HasMaxLength(IdempotencyRecord.MaxKeyLength);
        builder.Property(record => record.RequestFingerprint).HasMaxLength(64);
    }
}
