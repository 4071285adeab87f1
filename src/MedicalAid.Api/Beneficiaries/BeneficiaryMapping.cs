using MedicalAid.Contracts.Admin;
using MedicalAid.Engine;

namespace MedicalAid.Api.Beneficiaries;

public static class BeneficiaryMapping
{
    public static BeneficiaryDetail ToDetail(this Beneficiary beneficiary, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(beneficiary);
        var current = beneficiary.StatusOn(today);
        return new BeneficiaryDetail
        {
            Id = beneficiary.Id,
            IdNumber = beneficiary.IdNumber,
            Name = beneficiary.Name,
            DivisionCode = beneficiary.DivisionCode,
            UnitCode = beneficiary.Unit?.Code ?? throw new InvalidOperationException("Load the beneficiary with its unit."),
            Category = current?.CategoryCode,
            Active = current is { IsActive: true },
            StatusHistory = beneficiary.StatusHistory
                .OrderBy(change => change.EffectiveFrom)
                .ThenBy(change => change.Id)
                .Select(ToEntry)
                .ToArray(),
        };
    }

    public static BeneficiaryStatusEntry ToEntry(this BeneficiaryStatusChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return new BeneficiaryStatusEntry { Id = change.Id, EffectiveFrom = change.EffectiveFrom, Category = change.CategoryCode, Active = change.IsActive };
    }

    /// <summary>The beneficiary as the audit trail records it: the ID number masked, since audit entries are listed.</summary>
    public static object ToAuditRecord(this Beneficiary beneficiary)
    {
        ArgumentNullException.ThrowIfNull(beneficiary);
        return new { IdNumberMasked = ResidentIdNumber.Mask(beneficiary.IdNumber), beneficiary.Name, beneficiary.DivisionCode, UnitCode = beneficiary.Unit?.Code };
    }

    public static object ToAuditRecord(this BeneficiaryStatusChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return new { change.EffectiveFrom, Category = change.CategoryCode, Active = change.IsActive };
    }
}
