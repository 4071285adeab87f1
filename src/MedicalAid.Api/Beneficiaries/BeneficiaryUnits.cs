using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Staff;
using MedicalAid.Api.Units;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Beneficiaries;

/// <summary>
/// Which unit a registered person belongs to: the unit given, or else the district whose code is the person's
/// division code; either way inside the registering account's scope. One rule for registration and CSV import.
/// </summary>
public sealed class BeneficiaryUnits
{
    private readonly Dictionary<string, (long Id, UnitLevel Level)> inScope;

    private BeneficiaryUnits(Dictionary<string, (long Id, UnitLevel Level)> inScope) => this.inScope = inScope;

    /// <summary>The units of the scope that a registration may name (or <paramref name="onlyCodes"/> of them, for one person).</summary>
    public static async Task<BeneficiaryUnits> LoadAsync(
        MedicalAidDbContext db, DataScope scope, IReadOnlyCollection<string>? onlyCodes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var units = scope.Units(db).AsNoTracking();
        if (onlyCodes is not null)
        {
            units = units.Where(unit => onlyCodes.Contains(unit.Code));
        }

        var rows = await units.Select(unit => new { unit.Code, unit.Id, unit.Level }).ToListAsync(cancellationToken);
        return new BeneficiaryUnits(rows.ToDictionary(row => row.Code, row => (row.Id, row.Level), StringComparer.Ordinal));
    }

    /// <summary>The unit's id, or what is wrong (for the <c>unitCode</c> field).</summary>
    public (long? UnitId, string? Problem) Choose(string? unitCode, string divisionCode)
    {
        if (!string.IsNullOrWhiteSpace(unitCode))
        {
            return inScope.TryGetValue(unitCode.Trim(), out var given)
                ? (given.Id, null)
                : (null, "No unit with this code in your scope.");
        }

        return inScope.TryGetValue(divisionCode, out var district) && district.Level == UnitLevel.District
            ? (district.Id, null)
            : (null, $"Required: there is no district unit {divisionCode} (the division code) in your scope to default to.");
    }
}
