using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Policies;

/// <summary>
/// Finds the policy version in force on a date. Parsed rules are cached by version id: a stored version's rules are
/// never edited, so they can never be stale. Its dates can be (superseding a version sets its end date), so the
/// cached <see cref="PolicyVersion"/>'s own dates are not to be read; the record's are.
/// </summary>
public sealed class PolicyCatalog(MedicalAidDbContext db, ParsedPolicyCache cache)
{
    /// <summary>
    /// The ids of the stored versions whose range covers <paramref name="date"/>, the one in force first: ranges do not
    /// overlap, and should two ever both cover a date, the latest effective, then the latest created, applies. Composable
    /// into a larger query, where EF Core inlines it as a subquery.
    /// </summary>
    public static IQueryable<int> VersionIdsInForceOn(IQueryable<PolicyVersionRecord> versions, DateOnly date) =>
        versions.Where(policy => policy.EffectiveFrom <= date && (policy.EffectiveTo == null || policy.EffectiveTo >= date))
            .OrderByDescending(policy => policy.EffectiveFrom)
            .ThenByDescending(policy => policy.Id)
            .Select(policy => policy.Id);

    /// <summary>The rules in force on <paramref name="date"/>, or null when no version covers it.</summary>
    public async Task<PolicyVersion?> InForceOnAsync(DateOnly date, CancellationToken cancellationToken)
    {
        var versionId = await VersionIdsInForceOn(db.PolicyVersions.AsNoTracking(), date)
            .Select(id => (int?)id)
            .FirstOrDefaultAsync(cancellationToken);
        return versionId is { } id ? await RulesAsync(id, cancellationToken) : null;
    }

    /// <summary>The rules of a stored version, read from the database only the first time this process asks for them.</summary>
    public async Task<PolicyVersion> RulesAsync(int versionId, CancellationToken cancellationToken)
    {
        if (cache.TryGet(versionId, out var policy))
        {
            return policy;
        }

        var record = await db.PolicyVersions.AsNoTracking().SingleAsync(candidate => candidate.Id == versionId, cancellationToken);
        return cache.Parse(record);
    }
}

public sealed class ParsedPolicyCache
{
    private readonly ConcurrentDictionary<int, PolicyVersion> parsed = new();

    public PolicyVersion Parse(PolicyVersionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return parsed.GetOrAdd(record.Id, _ => record.ToPolicy());
    }

    public bool TryGet(int versionId, [NotNullWhen(true)] out PolicyVersion? policy) => parsed.TryGetValue(versionId, out policy);
}
