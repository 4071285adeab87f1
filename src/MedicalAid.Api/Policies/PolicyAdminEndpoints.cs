using System.Security.Claims;
using MedicalAid.Api.Audit;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Staff;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Policies;

/// <summary>
/// Policy versions for staff. A version's rules are never edited; a new version supersedes the one in force by
/// ending it the day before — allowed only while no settlement has used it on or after that day.
/// </summary>
public static class PolicyAdminEndpoints
{
    public static IEndpointRouteBuilder MapPolicyAdmin(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/admin/policies")
            .RequireAuthorization(StaffAccess.ReadPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithTags("Policies");
        group.MapGet("/", List).WithName("ListPolicies").WithSummary("Every policy version, oldest first.");
        group.MapGet("/{code}", Get).WithName("GetPolicy").WithSummary("One policy version by code.");
        group.MapPost("/", Create).RequireAuthorization(StaffAccess.CityAdminPolicy)
            .WithName("CreatePolicy")
            .WithSummary("Create a policy version (validated). An open-ended version in force before it is ended the day before it starts.");
        return routes;
    }

    public static async Task<Ok<IReadOnlyList<PolicyVersionResponse>>> List(MedicalAidDbContext db, ParsedPolicyCache cache, CancellationToken cancellationToken)
    {
        var records = await db.PolicyVersions.AsNoTracking().OrderBy(policy => policy.EffectiveFrom).ToListAsync(cancellationToken);
        var used = await UsedVersionIdsAsync(db, cancellationToken);
        return TypedResults.Ok<IReadOnlyList<PolicyVersionResponse>>(records.Select(record => ToResponse(record, cache, used.Contains(record.Id))).ToArray());
    }

    public static async Task<Results<Ok<PolicyVersionResponse>, NotFoundProblem>> Get(
        string code, MedicalAidDbContext db, ParsedPolicyCache cache, CancellationToken cancellationToken)
    {
        var record = await db.PolicyVersions.AsNoTracking().FirstOrDefaultAsync(policy => policy.Code == code, cancellationToken);
        if (record is null)
        {
            return new NotFoundProblem(Problems.NotFound($"No policy version {code}."));
        }

        var inUse = await db.Settlements.AnyAsync(settlement => settlement.PolicyVersionId == record.Id, cancellationToken);
        return TypedResults.Ok(ToResponse(record, cache, inUse));
    }

    public static async Task<Results<Created<PolicyVersionResponse>, ValidationProblem, ConflictProblem>> Create(
        PolicyVersionDto request,
        ClaimsPrincipal user,
        MedicalAidDbContext db,
        ParsedPolicyCache cache,
        ServiceCalendar calendar,
        AuditTrail audit,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var policy = PolicyMapping.ToEngine(request, errors);
        if (policy is not null)
        {
            var known = (await db.Categories.Select(category => category.Code).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
            foreach (var problem in policy.Validate(known))
            {
                var split = problem.IndexOf(": ", StringComparison.Ordinal);
                var field = split > 0 ? problem[..split] : "policy";
                errors[field] = [.. errors.GetValueOrDefault(field, []), split > 0 ? problem[(split + 2)..] : problem];
            }
        }

        if (errors.Count > 0 || policy is null)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        if (await db.PolicyVersions.AnyAsync(existing => existing.Code == policy.Code, cancellationToken))
        {
            return new ConflictProblem(Problems.Create(StatusCodes.Status409Conflict, ProblemTypes.Duplicate,
                "That policy code is taken.", $"Policy version {policy.Code} already exists."));
        }

        var overlapping = await db.PolicyVersions
            .Where(existing => (existing.EffectiveTo == null || existing.EffectiveTo >= policy.EffectiveFrom)
                && (policy.EffectiveTo == null || existing.EffectiveFrom <= policy.EffectiveTo))
            .ToListAsync(cancellationToken);
        foreach (var existing in overlapping)
        {
            if (existing.EffectiveFrom >= policy.EffectiveFrom)
            {
                return Overlap($"Version {existing.Code} starts {existing.EffectiveFrom:yyyy-MM-dd}, within the new version's dates.");
            }

            var usedFromNewStart = await db.Settlements.AnyAsync(
                settlement => settlement.PolicyVersionId == existing.Id && settlement.ServiceDate >= policy.EffectiveFrom, cancellationToken);
            if (usedFromNewStart)
            {
                return Overlap($"Settlements already used version {existing.Code} on or after {policy.EffectiveFrom:yyyy-MM-dd}.");
            }

            var before = new { existing.Code, existing.EffectiveFrom, existing.EffectiveTo };
            existing.EffectiveTo = policy.EffectiveFrom.AddDays(-1);
            audit.Record(user, "policy.superseded", "policy", existing.Code, before, new { existing.Code, existing.EffectiveFrom, existing.EffectiveTo });
        }

        var record = PolicyVersionRecord.From(policy, calendar.Now());
        db.PolicyVersions.Add(record);
        audit.Record(user, "policy.created", "policy", policy.Code, null, PolicyMapping.ToDto(policy));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (DatabaseErrors.IsUniqueViolation(exception))
        {
            return new ConflictProblem(Problems.Create(StatusCodes.Status409Conflict, ProblemTypes.Duplicate,
                "That policy code is taken.", $"Policy version {policy.Code} already exists."));
        }

        return TypedResults.Created($"/api/v1/admin/policies/{record.Code}", ToResponse(record, cache, inUse: false));

        static ConflictProblem Overlap(string detail) =>
            new(Problems.Create(StatusCodes.Status409Conflict, ProblemTypes.PolicyOverlap, "The new version's dates overlap a version in use.", detail));
    }

    private static async Task<HashSet<int>> UsedVersionIdsAsync(MedicalAidDbContext db, CancellationToken cancellationToken) =>
        (await db.Settlements.Select(settlement => settlement.PolicyVersionId).Distinct().ToListAsync(cancellationToken)).ToHashSet();

    private static PolicyVersionResponse ToResponse(PolicyVersionRecord record, ParsedPolicyCache cache, bool inUse)
    {
        // The stored document keeps the dates it was created with; the record's dates are authoritative once superseded.
        var policy = cache.Parse(record) with { EffectiveFrom = record.EffectiveFrom, EffectiveTo = record.EffectiveTo };
        return new PolicyVersionResponse { Policy = PolicyMapping.ToDto(policy), CreatedAt = record.CreatedAt, InUse = inUse };
    }
}
