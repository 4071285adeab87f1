using System.Security.Claims;
using System.Text.Json;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Staff;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Audit;

/// <summary>The filters of an audit-trail search.</summary>
public sealed record AuditFilter(string? EntityType, string? EntityId, string? Actor, string? Action, DateTimeOffset? From, DateTimeOffset? To);

/// <summary>The audit trail as staff read it, inside the caller's scope: the API endpoint and the console page both ask here.</summary>
public sealed class AuditQueries(MedicalAidDbContext db, DataScopes scopes)
{
    public async Task<Page<AuditEntryResponse>> SearchAsync(AuditFilter filter, int? pageNumber, int? pageSize, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var query = (await scopes.ForAsync(user, cancellationToken)).AuditEntries(db).AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.EntityType))
        {
            query = query.Where(entry => entry.EntityType == filter.EntityType);
        }

        if (!string.IsNullOrWhiteSpace(filter.EntityId))
        {
            query = query.Where(entry => entry.EntityId == filter.EntityId);
        }

        if (!string.IsNullOrWhiteSpace(filter.Actor))
        {
            query = query.Where(entry => entry.Actor == filter.Actor);
        }

        if (!string.IsNullOrWhiteSpace(filter.Action))
        {
            query = query.Where(entry => entry.Action == filter.Action);
        }

        if (filter.From is { } start)
        {
            query = query.Where(entry => entry.At >= start);
        }

        if (filter.To is { } end)
        {
            query = query.Where(entry => entry.At <= end);
        }

        return await query.OrderByDescending(entry => entry.Id).ToPageAsync(pageNumber, pageSize, ToResponse, cancellationToken);
    }

    private static AuditEntryResponse ToResponse(AuditEntry entry) => new()
    {
        Id = entry.Id,
        At = entry.At,
        Actor = entry.Actor,
        Action = entry.Action,
        EntityType = entry.EntityType,
        EntityId = entry.EntityId,
        Before = entry.Before,
        After = entry.After,
    };
}

/// <summary>One field of an audited record, before and after the change (null where the field was absent).</summary>
public sealed record AuditFieldChange(string Field, string? Before, string? After)
{
    public bool Changed => Before != After;
}

/// <summary>
/// The before and after of an audit entry (JSON objects) as a field-by-field list, nested objects flattened to
/// dotted paths, so that a person reads what changed rather than two JSON strings.
/// </summary>
public static class AuditDiff
{
    public static IReadOnlyList<AuditFieldChange> Compare(string? before, string? after)
    {
        var old = Flatten(before);
        var @new = Flatten(after);
        return old.Keys.Union(@new.Keys, StringComparer.Ordinal)
            .Select(field => new AuditFieldChange(field, old.GetValueOrDefault(field), @new.GetValueOrDefault(field)))
            .OrderBy(change => change.Changed ? 0 : 1)
            .ThenBy(change => change.Field, StringComparer.Ordinal)
            .ToArray();
    }

    private static Dictionary<string, string?> Flatten(string? json)
    {
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(json))
        {
            return fields;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            Add(fields, "", document.RootElement);
        }
        catch (JsonException)
        {
            // Entries written before their format was fixed are shown as they are.
            fields["(value)"] = json;
        }

        return fields;
    }

    private static void Add(Dictionary<string, string?> fields, string path, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Add(fields, path.Length == 0 ? property.Name : $"{path}.{property.Name}", property.Value);
                }

                break;
            case JsonValueKind.Array:
                fields[path.Length == 0 ? "(value)" : path] = string.Join(", ", element.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.String ? item.GetString() : item.GetRawText()));
                break;
            case JsonValueKind.Null:
                fields[path.Length == 0 ? "(value)" : path] = null;
                break;
            case JsonValueKind.String:
                fields[path.Length == 0 ? "(value)" : path] = element.GetString();
                break;
            default:
                fields[path.Length == 0 ? "(value)" : path] = element.GetRawText();
                break;
        }
    }
}
