using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Policies;
using MedicalAid.Contracts;
using MedicalAid.Engine;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Beneficiaries;

/// <summary>A beneficiary on a service date: who they are, the category in force, and the policy version that applies.</summary>
public sealed record BeneficiaryOnDate(
    Beneficiary Beneficiary,
    BeneficiaryStatusChange? Status,
    int? PolicyVersionId,
    PolicyVersion? Policy)
{
    public bool IsActive => Status is { IsActive: true };

    public CategoryRule? CategoryRule => Status is null ? null : Policy?.FindCategory(Status.CategoryCode);
}

/// <summary>Finds a beneficiary and what applies to them on a date; answers with the problem when they cannot be settled.</summary>
public sealed class BeneficiaryEligibility(MedicalAidDbContext db, PolicyCatalog policies)
{
    /// <summary>
    /// One round trip: the beneficiary, their status history and the id of the policy version in force. The version's
    /// rules come from the catalog's cache, so each version's document is read once per process, not once per settlement.
    /// </summary>
    public async Task<BeneficiaryOnDate?> FindAsync(string idNumber, DateOnly date, CancellationToken cancellationToken)
    {
        var policyInForce = PolicyCatalog.VersionIdsInForceOn(db.PolicyVersions, date);
        var found = await db.Beneficiaries.AsNoTracking()
            .Where(candidate => candidate.IdNumber == idNumber)
            .Select(candidate => new
            {
                Beneficiary = candidate,
                StatusHistory = candidate.StatusHistory.ToList(),
                PolicyVersionId = policyInForce.Select(id => (int?)id).FirstOrDefault(),
            })
            .FirstOrDefaultAsync(cancellationToken);
        if (found is null)
        {
            return null;
        }

        // A no-tracking query leaves the navigation empty; the history comes in its own column of the projection.
        var beneficiary = found.Beneficiary;
        beneficiary.StatusHistory.AddRange(found.StatusHistory);
        var policy = found.PolicyVersionId is { } versionId ? await policies.RulesAsync(versionId, cancellationToken) : null;
        return new BeneficiaryOnDate(beneficiary, beneficiary.StatusOn(date), found.PolicyVersionId, policy);
    }

    /// <summary>The beneficiary, checked for a settlement: registered, the same name, active, covered by a policy.</summary>
    public async Task<(BeneficiaryOnDate? Found, ProblemDetails? Problem)> ForSettlementAsync(
        string idNumber, string name, DateOnly serviceDate, CancellationToken cancellationToken)
    {
        var found = await FindAsync(idNumber, serviceDate, cancellationToken);
        if (found is null)
        {
            return (null, Problems.Create(StatusCodes.Status422UnprocessableEntity, ProblemTypes.BeneficiaryNotEligible,
                "The patient is not a registered beneficiary.", "No beneficiary with this ID number is registered."));
        }

        if (!string.Equals(found.Beneficiary.Name, name, StringComparison.Ordinal))
        {
            return (null, Problems.Create(StatusCodes.Status422UnprocessableEntity, ProblemTypes.IdentityMismatch,
                "The name does not match the registered beneficiary.",
                "patient.name differs from the name registered for this ID number."));
        }

        if (!found.IsActive)
        {
            return (null, Problems.Create(StatusCodes.Status422UnprocessableEntity, ProblemTypes.BeneficiaryNotEligible,
                "The beneficiary is not active on the service date.",
                found.Status is null ? "The beneficiary's registration starts after the service date." : $"Inactive since {found.Status.EffectiveFrom:yyyy-MM-dd}."));
        }

        if (found.Policy is null || found.CategoryRule is null)
        {
            return (null, Problems.Create(StatusCodes.Status422UnprocessableEntity, ProblemTypes.NoPolicyInForce,
                "No policy covers this beneficiary on the service date.",
                found.Policy is null ? "No policy version is in force on the service date." : $"Policy {found.Policy.Code} has no rule for category {found.Status!.CategoryCode}."));
        }

        return (found, null);
    }
}
