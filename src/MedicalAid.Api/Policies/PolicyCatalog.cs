using System.Collections.Concurrent;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Policies;

/// <summary>
/// Finds the policy version in force on a date. Parsed versions are cached by id: a stored version is never edited,
/// so the cache can never be stale.
/// </summary>
public sealed class PolicyCatalog(MedicalAidDbContext db, ParsedPolicyCache cache)
{
    public async Task<(PolicyVersionRecord? Record, PolicyVersion? Policy)> InForceOnAsync(DateOnly date, CancellationToken cancellationToken)
    {
        var record = await db.PolicyVersions.AsNoTracking()
            .Where(policy => policy.EffectiveFrom <= date && (policy.EffectiveTo == null || policy.EffectiveTo >= date))
            .OrderByDescending(policy => policy.EffectiveFrom)
            .FirstOrDefaultAsync(cancellationToken);
        return record is null ? (null, null) : (record, cache.Parse(record));
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
}
