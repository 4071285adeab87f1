using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Staff;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedicalAid.Api.Audit;

/// <summary>One staff change: who, when, what, and the record before and after. Append-only.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    public required string Actor { get; set; }

    public required string Action { get; set; }

    public required string EntityType { get; set; }

    public required string EntityId { get; set; }

    /// <summary>The person the entry is about, if any: what scopes the trail to a unit's people.</summary>
    public long? BeneficiaryId { get; set; }

    public string? Before { get; set; }

    public string? After { get; set; }
}

/// <summary>Writes audit entries in the same SaveChanges as the change they describe, so one never exists without the other.</summary>
public sealed class AuditTrail(MedicalAidDbContext db, ServiceCalendar calendar)
{
    /// <summary>The entity type of entries about one beneficiary (their id is the entity id).</summary>
    public const string PersonEntityType = "beneficiary";

    // Stored for people to read, never embedded in HTML: keep Chinese names readable in the raw column.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public void Record(ClaimsPrincipal user, string action, string entityType, string entityId, object? before, object? after) =>
        Record(StaffAccess.Actor(user), action, entityType, entityId, before, after);

    /// <summary>An entry whose actor is named rather than signed in, such as a sign-in attempt or a console command.</summary>
    public void Record(string actor, string action, string entityType, string entityId, object? before, object? after) =>
        db.Set<AuditEntry>().Add(new AuditEntry
        {
            At = calendar.Now(),
            Actor = actor.Length > 128 ? actor[..128] : actor,
            Action = action,
            EntityType = entityType,
            EntityId = entityId,
            BeneficiaryId = entityType == PersonEntityType && long.TryParse(entityId, CultureInfo.InvariantCulture, out var person) ? person : null,
            Before = before is null ? null : JsonSerializer.Serialize(before, Json),
            After = after is null ? null : JsonSerializer.Serialize(after, Json),
        });
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.Property(entry => entry.Actor).HasMaxLength(128);
        builder.Property(entry => entry.Action).HasMaxLength(64);
        builder.Property(entry => entry.EntityType).HasMaxLength(64);
        builder.Property(entry => entry.EntityId).HasMaxLength(128);
        builder.HasIndex(entry => new { entry.EntityType, entry.EntityId });
        builder.HasIndex(entry => entry.At);
        builder.HasIndex(entry => entry.BeneficiaryId);
    }
}
