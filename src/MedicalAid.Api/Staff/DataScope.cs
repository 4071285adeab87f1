using System.Security.Claims;
using MedicalAid.Api.Audit;
using MedicalAid.Api.Beneficiaries;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Settlements;
using MedicalAid.Api.Units;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Staff;

/// <summary>
/// What a staff member may see: the people of one unit's subtree, or everyone. Every query of people or money starts
/// from these, so the database returns only rows inside the scope (nothing is read and then filtered out) and a row
/// outside it is simply not found.
/// </summary>
public sealed class DataScope
{
    private DataScope(string? unitPath, bool coversAll)
    {
        UnitPath = unitPath;
        CoversAll = coversAll;
    }

    /// <summary>A caller without a unit (a token with no <c>unit</c> claim): city level, everything.</summary>
    public static DataScope Everything { get; } = new(null, true);

    /// <summary>
    /// A unit claim that names no unit: nothing at all, never everything. Its path is one no unit has (paths start with
    /// '/'), so every query of the scope finds no rows.
    /// </summary>
    public static DataScope Nothing { get; } = new("\u0001none/", false);

    public static DataScope OfUnit(OrganisationUnit unit, bool coversAll)
    {
        ArgumentNullException.ThrowIfNull(unit);
        return new DataScope(unit.Path, coversAll);
    }

    /// <summary>The path prefix of the subtree; null when the scope is not restricted to one.</summary>
    public string? UnitPath { get; }

    /// <summary>Whether the subtree holds every unit there is, so that city-wide rollups answer for it.</summary>
    public bool CoversAll { get; }

    public bool Contains(OrganisationUnit unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        return UnitPath is null || unit.Path.StartsWith(UnitPath, StringComparison.Ordinal);
    }

    /// <summary>The units inside the scope.</summary>
    public IQueryable<OrganisationUnit> Units(MedicalAidDbContext db)
    {
        ArgumentNullException.ThrowIfNull(db);
        var prefix = UnitPath;
        return prefix is null ? db.Units : db.Units.Where(unit => unit.Path.StartsWith(prefix));
    }

    /// <summary>The beneficiaries inside the scope.</summary>
    public IQueryable<Beneficiary> Beneficiaries(MedicalAidDbContext db)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (UnitPath is null)
        {
            return db.Beneficiaries;
        }

        var units = Units(db).Select(unit => unit.Id);
        return db.Beneficiaries.Where(beneficiary => units.Contains(beneficiary.UnitId));
    }

    /// <summary>The settlements of the beneficiaries inside the scope (by the unit the person belongs to now).</summary>
    public IQueryable<Settlement> Settlements(MedicalAidDbContext db)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (UnitPath is null)
        {
            return db.Settlements;
        }

        var people = Beneficiaries(db).Select(beneficiary => beneficiary.Id);
        return db.Settlements.Where(settlement => people.Contains(settlement.BeneficiaryId));
    }

    /// <summary>
    /// Audit entries: everything for a caller whose unit covers every unit; otherwise only the entries about a person
    /// inside the scope (hospitals, policies, funds, units and accounts are city-level matters).
    /// </summary>
    public IQueryable<AuditEntry> AuditEntries(MedicalAidDbContext db)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (UnitPath is null || CoversAll)
        {
            return db.AuditEntries;
        }

        var people = Beneficiaries(db).Select(beneficiary => (long?)beneficiary.Id);
        return db.AuditEntries.Where(entry => entry.BeneficiaryId != null && people.Contains(entry.BeneficiaryId));
    }
}

/// <summary>Works out a caller's <see cref="DataScope"/> from the <c>unit</c> claim of their token or sign-in.</summary>
public sealed class DataScopes(MedicalAidDbContext db)
{
    private readonly Dictionary<string, DataScope> resolved = new(StringComparer.Ordinal);

    public async Task<DataScope> ForAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        // Only a credential without a unit claim is city level; a claim that is there but blank names no unit.
        if (user.FindFirst(StaffAccess.UnitClaim) is not { } claim)
        {
            return DataScope.Everything;
        }

        var code = claim.Value.Trim();
        if (code.Length == 0)
        {
            return DataScope.Nothing;
        }

        if (resolved.TryGetValue(code, out var known))
        {
            return known;
        }

        var unit = await db.Units.AsNoTracking().FirstOrDefaultAsync(candidate => candidate.Code == code, cancellationToken);
        DataScope scope;
        if (unit is null)
        {
            scope = DataScope.Nothing;
        }
        else
        {
            var path = unit.Path;
            var outside = await db.Units.AnyAsync(candidate => !candidate.Path.StartsWith(path), cancellationToken);
            scope = DataScope.OfUnit(unit, coversAll: !outside);
        }

        resolved[code] = scope;
        return scope;
    }
}
