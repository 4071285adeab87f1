using System.Collections.Concurrent;
using System.Linq.Expressions;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Policies;

/// <summary>
/// Finds the policy version in force on a date. Parsed versions are cached by id: a stored version's rules are never
/// edited (a superseded version only gets an end date), so the cached rules can never be stale.
/// </summary>
public sealed class PolicyCatalog(MedicalAidDbContext db, ParsedPolicyCache cache)
{
    /// <summary>Whether a stored version covers <paramref name="date"/>; of several, the latest effective one applies.</summary>
    public static Expression<Func<PolicyVersionRecord, bool>> InForceOn(DateOnly date) =>
        policy => policy.EffectiveFrom <= date && (policy.EffectiveTo == null || policy.EffectiveTo >= date);

    public async Task<(PolicyVersionRecord? Record, PolicyVersion? Policy)> InForceOnAsync(DateOnly date, CancellationToken cancellationToken)
    {
        var record = await db.PolicyVersions.AsNoTracking()
            .Where(InForceOn(date))
            .OrderByDescending(policy => policy.EffectiveFrom)
            .FirstOrDefaultAsync(cancellationToken);
        return record is null ? (null, null) : (record, cache.Parse(record));
    }

    /// <summary>The rules of a stored version, read from the database only the first time they are asked for.</summary>
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

    public bool TryGet(int versionId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PolicyVersion? policy) =>
        parsed.TryGetValue(versionId, out policy);
}
