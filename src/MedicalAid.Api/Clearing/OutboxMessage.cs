using MedicalAid.Api.Hospitals;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedicalAid.Api.Clearing;

/// <summary>
/// A callback to a hospital, written in the same transaction as what it reports (transactional outbox) and delivered
/// by <see cref="OutboxDispatcher"/> until the hospital answers 2xx. <see cref="DeliveryId"/> is the same on every
/// attempt, so the hospital can drop a redelivery.
/// </summary>
public sealed class OutboxMessage
{
    public const string ClearingStatementKind = "clearing-statement";

    public Guid Id { get; set; }

    public required string Kind { get; set; }

    /// <summary>The callback body, JSON.</summary>
    public required string Payload { get; set; }

    /// <summary>The hospital to call, at its callback URL as registered when the attempt is made.</summary>
    public int HospitalId { get; set; }

    /// <summary>What the statement (or other subject) is, for staff views.</summary>
    public Guid SubjectId { get; set; }

    public required string DeliveryId { get; set; }

    public int Attempts { get; set; }

    /// <summary>When the next attempt is due; while an instance holds the message, the end of its lease.</summary>
    public DateTimeOffset NextAttemptAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    public string? LastError { get; set; }
}

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public const int MaxErrorLength = 1000;

    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        builder.Property(message => message.Kind).HasMaxLength(32);
        builder.Property(message => message.DeliveryId).HasMaxLength(64);
        builder.Property(message => message.LastError).HasMaxLength(MaxErrorLength);
        builder.HasOne<Hospital>().WithMany().HasForeignKey(message => message.HospitalId);
        builder.HasIndex(message => message.DeliveryId).IsUnique();
        builder.HasIndex(message => message.SubjectId);
        builder.HasIndex(message => new { message.DeliveredAt, message.NextAttemptAt });
    }
}
