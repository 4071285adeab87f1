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

    public string? Before { get; set; }

    public string? After { get; set; }
}

/// <summary>Writes audit entries in the same SaveChanges as the change they describe, so one never exists without the other.</summary>
public sealed class AuditTrail(MedicalAidDbContext db, ServiceCalendar calendar)
{
    // Stored for people to read, never embedded in HTML: keep Chinese names readable in the raw column.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public void Record(ClaimsPrincipal user, string action, string entityType, string entityId, object? before, object? after) =>
        db.Set<AuditEntry>().Add(new AuditEntry
        {
            At = calendar.Now(),
            Actor = StaffAccess.Actor(user),
            Action = action,
            EntityType = entityType,
            EntityId = entityId,
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
    }
}
