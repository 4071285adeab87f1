using System.Globalization;
using System.Security.Claims;
using MedicalAid.Api.Audit;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Staff;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using MedicalAid.Engine;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Beneficiaries;

/// <summary>The staff beneficiary registry (救助对象管理): search, register, correct, change status, import.</summary>
public static class BeneficiaryAdminEndpoints
{
    public const string AuditEntityType = "beneficiary";
    private const string Route = "/api/v1/admin/beneficiaries";

    public static IEndpointRouteBuilder MapBeneficiaryAdmin(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(Route)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithTags("Beneficiaries");

        group.MapGet("/", Search)
            .RequireAuthorization(StaffAccess.ReadPolicy)
            .WithName("SearchBeneficiaries")
            .WithSummary("Search the beneficiaries of your unit's subtree by ID number, name, category, division, unit and status today; ID numbers are masked.");
        group.MapGet("/{id:long}", GetById)
            .RequireAuthorization(StaffAccess.ReadPolicy)
            .WithName("GetBeneficiary")
            .WithSummary("A beneficiary of your unit's subtree with the full ID number and the whole status history.");
        group.MapPost("/", Create)
            .RequireAuthorization(StaffAccess.OperatePolicy)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithName("CreateBeneficiary")
            .WithSummary("Register a beneficiary (operator, admin).");
        group.MapPut("/{id:long}", Update)
            .RequireAuthorization(StaffAccess.OperatePolicy)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithName("UpdateBeneficiary")
            .WithSummary("Correct a beneficiary's name and division code, or move them to another unit of your subtree (operator, admin).");
        group.MapPost("/{id:long}/status-changes", ChangeStatus)
            .RequireAuthorization(StaffAccess.OperatePolicy)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithName("ChangeBeneficiaryStatus")
            .WithSummary("Add a category or active/inactive change effective from a date; history is kept, and settlements use what is in force on the service date (operator, admin).");
        group.MapBeneficiaryImport();
        return routes;
    }

    public static async Task<Results<Ok<Page<BeneficiaryListItem>>, ValidationProblem>> Search(
        string? idNumber,
        string? name,
        string? category,
        string? division,
        string? unit,
        string? status,
        int? pageNumber,
        int? pageSize,
        ClaimsPrincipal user,
        MedicalAidDbContext db,
        DataScopes scopes,
        ServiceCalendar calendar,
        CancellationToken cancellationToken)
    {
        if (Paging.Problem(pageNumber, pageSize) is { } pagingProblem)
        {
            return Validation(pagingProblem);
        }

        if (!TryParseStatus(status, out var activeToday))
        {
            return Validation(Problems.Validation("status", "Use active or inactive."));
        }

        var today = calendar.Today();
        var scope = await scopes.ForAsync(user, cancellationToken);
        var people = scope.Beneficiaries(db).AsNoTracking();
        if (!string.IsNullOrWhiteSpace(unit))
        {
            // A unit outside the scope, or unknown, matches nobody: its subtree holds no one the caller may see.
            var code = unit.Trim();
            var under = db.Units.Where(candidate => candidate.Code == code).Select(candidate => candidate.Path);
            var subtree = db.Units.Where(candidate => under.Any(path => candidate.Path.StartsWith(path))).Select(candidate => candidate.Id);
            people = people.Where(beneficiary => subtree.Contains(beneficiary.UnitId));
        }

        var rows = people.Select(beneficiary => new SearchRow
        {
            Id = beneficiary.Id,
            IdNumber = beneficiary.IdNumber,
            Name = beneficiary.Name,
            DivisionCode = beneficiary.DivisionCode,
            UnitCode = beneficiary.Unit!.Code,
            Category = db.BeneficiaryStatusChanges
                .Where(change => change.BeneficiaryId == beneficiary.Id && change.EffectiveFrom <= today)
                .OrderByDescending(change => change.EffectiveFrom).ThenByDescending(change => change.Id)
                .Select(change => change.CategoryCode)
                .FirstOrDefault(),
            Active = db.BeneficiaryStatusChanges
                .Where(change => change.BeneficiaryId == beneficiary.Id && change.EffectiveFrom <= today)
                .OrderByDescending(change => change.EffectiveFrom).ThenByDescending(change => change.Id)
                .Select(change => (bool?)change.IsActive)
                .FirstOrDefault(),
        });

        if (!string.IsNullOrWhiteSpace(idNumber))
        {
            var normalized = BeneficiaryRules.NormalizeIdNumber(idNumber);
            rows = rows.Where(row => row.IdNumber == normalized);
        }

        if (!string.IsNullOrWhiteSpace(name))
        {
            var part = name.Trim();
            rows = rows.Where(row => row.Name.Contains(part));
        }

        if (!string.IsNullOrWhiteSpace(category))
        {
            rows = rows.Where(row => row.Category == category);
        }

        if (!string.IsNullOrWhiteSpace(division))
        {
            rows = rows.Where(row => row.DivisionCode == division);
        }

        if (activeToday is { } active)
        {
            rows = active ? rows.Where(row => row.Active == true) : rows.Where(row => row.Active != true);
        }

        return TypedResults.Ok(await rows.OrderBy(row => row.Id).ToPageAsync(pageNumber, pageSize, ToSummary, cancellationToken));
    }

    public static async Task<Results<Ok<BeneficiaryDetail>, NotFoundProblem>> GetById(
        long id, ClaimsPrincipal user, MedicalAidDbContext db, DataScopes scopes, ServiceCalendar calendar, CancellationToken cancellationToken)
    {
        var scope = await scopes.ForAsync(user, cancellationToken);
        var beneficiary = await WithHistoryAsync(scope.Beneficiaries(db).AsNoTracking(), id, cancellationToken);
        return beneficiary is null ? NotFound() : TypedResults.Ok(beneficiary.ToDetail(calendar.Today()));
    }

    public static async Task<Results<Created<BeneficiaryDetail>, ValidationProblem, ConflictProblem>> Create(
        CreateBeneficiaryRequest request,
        ClaimsPrincipal user,
        MedicalAidDbContext db,
        DataScopes scopes,
        TransactionRunner transactions,
        AuditTrail audit,
        ServiceCalendar calendar,
        CancellationToken cancellationToken)
    {
        var today = calendar.Today();
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var idNumberText = BeneficiaryRules.NormalizeIdNumber(request.IdNumber);
        var idProblem = ResidentIdNumber.Check(idNumberText, today);
        ResidentIdNumber.TryParse(idNumberText, today, out var idNumber);
        if (idProblem != ResidentIdProblem.None)
        {
            errors["idNumber"] = [ResidentIdNumber.Describe(idProblem)];
        }

        var name = request.Name.Trim();
        AddProblem(errors, "name", BeneficiaryRules.NameProblem(name));
        var divisionCode = request.DivisionCode?.Trim() is { Length: > 0 } given ? given : idNumber?.DivisionCode;
        if (divisionCode is not null)
        {
            AddProblem(errors, "divisionCode", BeneficiaryRules.DivisionCodeProblem(divisionCode));
        }

        if (idNumber is not null)
        {
            AddProblem(errors, "effectiveFrom", BeneficiaryRules.EffectiveFromProblem(request.EffectiveFrom, idNumber));
        }

        await AddCategoryProblemAsync(errors, db, request.Category, cancellationToken);
        var scope = await scopes.ForAsync(user, cancellationToken);
        long? unitId = null;
        if (divisionCode is not null)
        {
            string[] codes = request.UnitCode is { } requestedUnit ? [requestedUnit.Trim(), divisionCode] : [divisionCode];
            var units = await BeneficiaryUnits.LoadAsync(db, scope, codes, cancellationToken);
            (unitId, var unitProblem) = units.Choose(request.UnitCode, divisionCode);
            AddProblem(errors, "unitCode", unitProblem);
        }

        if (errors.Count > 0 || idNumber is null || divisionCode is null || unitId is null)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        return await transactions.RunAsync<Results<Created<BeneficiaryDetail>, ValidationProblem, ConflictProblem>>(async token =>
        {
            // A concurrent registration of the same number that slips past this check fails on the unique index;
            // the runner then starts again, and this check finds it.
            var existingId = await db.Beneficiaries.Where(candidate => candidate.IdNumber == idNumber.Value)
                .Select(candidate => (long?)candidate.Id).FirstOrDefaultAsync(token);
            if (existingId is { } existing)
            {
                // Who and where is told only inside the caller's scope; outside it, only that the number is taken.
                if (!await scope.Beneficiaries(db).AnyAsync(candidate => candidate.Id == existing, token))
                {
                    return new ConflictProblem(Problems.Create(StatusCodes.Status409Conflict, ProblemTypes.Duplicate,
                        "A beneficiary with this ID number is already registered in another unit.", "Ask that unit, or the city, to move the person."));
                }

                return new ConflictProblem(Problems.Create(StatusCodes.Status409Conflict, ProblemTypes.Duplicate,
                        "A beneficiary with this ID number is already registered.", $"See beneficiary {existing}.")
                    .WithExtension("beneficiaryId", existing));
            }

            var beneficiary = new Beneficiary { IdNumber = idNumber.Value, Name = name, DivisionCode = divisionCode, UnitId = unitId.Value };
            var registration = new BeneficiaryStatusChange { EffectiveFrom = request.EffectiveFrom, CategoryCode = request.Category, IsActive = request.Active };
            beneficiary.StatusHistory.Add(registration);
            db.Beneficiaries.Add(beneficiary);
            await db.SaveChangesAsync(token);
            await db.Entry(beneficiary).Reference(registered => registered.Unit).LoadAsync(token);

            audit.Record(user, "beneficiary.created", AuditEntityType, EntityId(beneficiary.Id), null,
                new { Beneficiary = beneficiary.ToAuditRecord(), Status = registration.ToAuditRecord() });
            await db.SaveChangesAsync(token);
            return TypedResults.Created($"{Route}/{beneficiary.Id}", beneficiary.ToDetail(today));
        }, cancellationToken);
    }

    public static async Task<Results<Ok<BeneficiaryDetail>, ValidationProblem, NotFoundProblem>> Update(
        long id,
        UpdateBeneficiaryRequest request,
        ClaimsPrincipal user,
        MedicalAidDbContext db,
        DataScopes scopes,
        TransactionRunner transactions,
        AuditTrail audit,
        ServiceCalendar calendar,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var name = request.Name.Trim();
        var divisionCode = request.DivisionCode.Trim();
        AddProblem(errors, "name", BeneficiaryRules.NameProblem(name));
        AddProblem(errors, "divisionCode", BeneficiaryRules.DivisionCodeProblem(divisionCode));
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        var scope = await scopes.ForAsync(user, cancellationToken);
        return await transactions.RunAsync<Results<Ok<BeneficiaryDetail>, ValidationProblem, NotFoundProblem>>(async token =>
        {
            var beneficiary = await WithHistoryAsync(scope.Beneficiaries(db), id, token);
            if (beneficiary is null)
            {
                return NotFound();
            }

            var unitId = beneficiary.UnitId;
            if (request.UnitCode is { } unitCode && unitCode.Trim() != beneficiary.Unit!.Code)
            {
                var (chosen, unitProblem) = (await BeneficiaryUnits.LoadAsync(db, scope, [unitCode.Trim()], token)).Choose(unitCode, divisionCode);
                if (chosen is null)
                {
                    return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["unitCode"] = [unitProblem!] }, type: ProblemTypes.Validation);
                }

                unitId = chosen.Value;
            }

            if (beneficiary.Name != name || beneficiary.DivisionCode != divisionCode || beneficiary.UnitId != unitId)
            {
                var before = beneficiary.ToAuditRecord();
                beneficiary.Name = name;
                beneficiary.DivisionCode = divisionCode;
                if (beneficiary.UnitId != unitId)
                {
                    beneficiary.UnitId = unitId;
                    beneficiary.Unit = await db.Units.FirstAsync(unit => unit.Id == unitId, token);
                }

                audit.Record(user, "beneficiary.updated", AuditEntityType, EntityId(id), before, beneficiary.ToAuditRecord());
                await db.SaveChangesAsync(token);
            }

            return TypedResults.Ok(beneficiary.ToDetail(calendar.Today()));
        }, cancellationToken);
    }

    public static async Task<Results<Created<BeneficiaryDetail>, ValidationProblem, NotFoundProblem>> ChangeStatus(
        long id,
        BeneficiaryStatusChangeRequest request,
        ClaimsPrincipal user,
        MedicalAidDbContext db,
        DataScopes scopes,
        TransactionRunner transactions,
        AuditTrail audit,
        ServiceCalendar calendar,
        CancellationToken cancellationToken)
    {
        var today = calendar.Today();
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        await AddCategoryProblemAsync(errors, db, request.Category, cancellationToken);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        var scope = await scopes.ForAsync(user, cancellationToken);
        return await transactions.RunAsync<Results<Created<BeneficiaryDetail>, ValidationProblem, NotFoundProblem>>(async token =>
        {
            var beneficiary = await WithHistoryAsync(scope.Beneficiaries(db), id, token);
            if (beneficiary is null)
            {
                return NotFound();
            }

            // The stored number was valid when registered; its birth date bounds the history.
            if (ResidentIdNumber.TryParse(beneficiary.IdNumber, today, out var idNumber)
                && BeneficiaryRules.EffectiveFromProblem(request.EffectiveFrom, idNumber!) is { } dateProblem)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["effectiveFrom"] = [dateProblem] }, type: ProblemTypes.Validation);
            }

            var superseded = beneficiary.StatusOn(request.EffectiveFrom);
            var change = new BeneficiaryStatusChange { EffectiveFrom = request.EffectiveFrom, CategoryCode = request.Category, IsActive = request.Active };
            beneficiary.StatusHistory.Add(change);
            audit.Record(user, "beneficiary.status-changed", AuditEntityType, EntityId(id), superseded?.ToAuditRecord(), change.ToAuditRecord());
            await db.SaveChangesAsync(token);
            return TypedResults.Created($"{Route}/{id}", beneficiary.ToDetail(today));
        }, cancellationToken);
    }

    internal static ValidationProblem Validation(HttpValidationProblemDetails problem) =>
        TypedResults.ValidationProblem(problem.Errors, problem.Detail, problem.Instance, problem.Title, problem.Type);

    private static bool TryParseStatus(string? status, out bool? activeToday)
    {
        activeToday = status switch
        {
            "active" => true,
            "inactive" => false,
            _ => null,
        };
        return activeToday is not null || string.IsNullOrEmpty(status);
    }

    private static string EntityId(long id) => id.ToString(CultureInfo.InvariantCulture);

    private static NotFoundProblem NotFound() => new(Problems.NotFound("No beneficiary with this id."));

    private static void AddProblem(Dictionary<string, string[]> errors, string field, string? problem)
    {
        if (problem is not null)
        {
            errors[field] = [problem];
        }
    }

    private static async Task AddCategoryProblemAsync(Dictionary<string, string[]> errors, MedicalAidDbContext db, string category, CancellationToken cancellationToken)
    {
        if (!await db.Categories.AnyAsync(candidate => candidate.Code == category, cancellationToken))
        {
            errors["category"] = ["Unknown category."];
        }
    }

    private static BeneficiaryListItem ToSummary(SearchRow row) => new()
    {
        Id = row.Id,
        IdNumberMasked = ResidentIdNumber.Mask(row.IdNumber),
        Name = row.Name,
        DivisionCode = row.DivisionCode,
        UnitCode = row.UnitCode,
        Category = row.Category,
        Active = row.Active == true,
    };

    /// <summary>A beneficiary with the category and status in force today, as one query reads them.</summary>
    private sealed class SearchRow
    {
        public long Id { get; init; }

        public required string IdNumber { get; init; }

        public required string Name { get; init; }

        public required string DivisionCode { get; init; }

        public required string UnitCode { get; init; }

        public string? Category { get; init; }

        public bool? Active { get; init; }
    }

    private static Task<Beneficiary?> WithHistoryAsync(IQueryable<Beneficiary> beneficiaries, long id, CancellationToken cancellationToken) =>
        beneficiaries.Include(candidate => candidate.StatusHistory).Include(candidate => candidate.Unit).FirstOrDefaultAsync(candidate => candidate.Id == id, cancellationToken);
}
