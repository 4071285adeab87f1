using System.Security.Claims;
using MedicalAid.Api.Beneficiaries;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Staff;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using MedicalAid.Engine;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using EngineVisitType = MedicalAid.Engine.VisitType;

namespace MedicalAid.Api.Settlements;

/// <summary>Settlement search for civil-affairs staff (结算查询): every hospital, filters, sorting, paging; the detail with its trace.</summary>
public static class SettlementSearchEndpoints
{
    private const string Route = "/api/v1/admin/settlements";

    public static IEndpointRouteBuilder MapSettlementSearch(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(Route)
            .RequireAuthorization(StaffAccess.ReadPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithTags("Settlements (staff)");

        group.MapGet("/", Search)
            .WithName("SearchSettlements")
            .WithSummary("Search the settlements of your unit's people at every hospital by service date, hospital, beneficiary, category, channel paid, status and visit type; ID numbers are masked.");
        group.MapGet("/totals", Totals)
            .WithName("GetSettlementSearchTotals")
            .WithSummary("The totals of a settlement search's whole filtered set (same filters): count, reversed, and the unreversed settlements' amounts by channel.");
        group.MapGet("/{id:guid}", GetById)
            .WithName("GetSettlementForStaff")
            .WithSummary("A settlement of one of your unit's people, at any hospital, with the full calculation trace of each channel.");
        return routes;
    }

    public static async Task<Results<Ok<Page<SettlementListItem>>, ValidationProblem>> Search(
        [AsParameters] SettlementSearchQuery query,
        int? pageNumber,
        int? pageSize,
        ClaimsPrincipal user,
        SettlementQueries settlements,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var errors = query.Problems();
        if (Paging.Problem(pageNumber, pageSize) is { } pagingProblem)
        {
            foreach (var (field, messages) in pagingProblem.Errors)
            {
                errors[field] = messages;
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        return TypedResults.Ok(await settlements.SearchAsync(query, pageNumber, pageSize, user, cancellationToken));
    }

    public static async Task<Results<Ok<SettlementSearchTotals>, ValidationProblem>> Totals(
        [AsParameters] SettlementSearchQuery query, ClaimsPrincipal user, SettlementQueries settlements, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var errors = query.Problems();
        return errors.Count > 0
            ? TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation)
            : TypedResults.Ok(await settlements.TotalsAsync(query, user, cancellationToken));
    }

    public static async Task<Results<Ok<SettlementResponse>, NotFoundProblem>> GetById(
        Guid id, ClaimsPrincipal user, SettlementQueries settlements, CancellationToken cancellationToken) =>
        await settlements.GetAsync(id, user, cancellationToken) is { } settlement
            ? TypedResults.Ok(settlement)
            : new NotFoundProblem(Problems.NotFound("No settlement with this id."));
}

/// <summary>The filters and sorting of the settlement search, shared with its exports.</summary>
public sealed class SettlementSearchQuery
{
    public const int MaxNameLength = 64;

    /// <summary>First service date (inclusive).</summary>
    [FromQuery(Name = "from")]
    public DateOnly? From { get; init; }

    /// <summary>Last service date (inclusive).</summary>
    [FromQuery(Name = "to")]
    public DateOnly? To { get; init; }

    /// <summary>Hospital code, e.g. H001.</summary>
    [FromQuery(Name = "hospital")]
    public string? Hospital { get; init; }

    /// <summary>The beneficiary's full ID number (exact).</summary>
    [FromQuery(Name = "idNumber")]
    public string? IdNumber { get; init; }

    /// <summary>Part of the beneficiary's name.</summary>
    [FromQuery(Name = "name")]
    public string? Name { get; init; }

    /// <summary>Category code, e.g. minimum-living.</summary>
    [FromQuery(Name = "category")]
    public string? Category { get; init; }

    /// <summary>Only settlements where this channel paid more than zero: insuranceSubsidy, outpatient, inpatient, temporary or charity.</summary>
    [FromQuery(Name = "channel")]
    public string? Channel { get; init; }

    /// <summary>settled or reversed.</summary>
    [FromQuery(Name = "status")]
    public string? Status { get; init; }

    /// <summary>inpatient or outpatient.</summary>
    [FromQuery(Name = "visitType")]
    public string? VisitType { get; init; }

    /// <summary>settledAt (default), serviceDate, fundsSettled or patientPays.</summary>
    [FromQuery(Name = "sort")]
    public string? Sort { get; init; }

    /// <summary>asc or desc (default).</summary>
    [FromQuery(Name = "order")]
    public string? Order { get; init; }

    /// <summary>Field-level problems with the query; empty when it is good.</summary>
    public Dictionary<string, string[]> Problems()
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (From is { } from && To is { } to && from > to)
        {
            errors["to"] = ["Must not be before from."];
        }

        if (Name is { Length: > MaxNameLength })
        {
            errors["name"] = [$"At most {MaxNameLength} characters."];
        }

        if (!TryParseChannel(Channel, out _))
        {
            errors["channel"] = ["Use insuranceSubsidy, outpatient, inpatient, temporary or charity."];
        }

        if (!TryParseStatus(Status, out _))
        {
            errors["status"] = ["Use settled or reversed."];
        }

        if (!TryParseVisitType(VisitType, out _))
        {
            errors["visitType"] = ["Use inpatient or outpatient."];
        }

        if (Sort is not (null or "" or "settledAt" or "serviceDate" or "fundsSettled" or "patientPays"))
        {
            errors["sort"] = ["Use settledAt, serviceDate, fundsSettled or patientPays."];
        }

        if (Order is not (null or "" or "asc" or "desc"))
        {
            errors["order"] = ["Use asc or desc."];
        }

        return errors;
    }

    /// <summary>Applies the filters; call only when <see cref="Problems"/> is empty.</summary>
    public IQueryable<Settlement> Apply(IQueryable<Settlement> settlements)
    {
        ArgumentNullException.ThrowIfNull(settlements);
        if (From is { } from)
        {
            settlements = settlements.Where(settlement => settlement.ServiceDate >= from);
        }

        if (To is { } to)
        {
            settlements = settlements.Where(settlement => settlement.ServiceDate <= to);
        }

        if (!string.IsNullOrWhiteSpace(Hospital))
        {
            var code = Hospital.Trim();
            settlements = settlements.Where(settlement => settlement.HospitalCode == code);
        }

        if (!string.IsNullOrWhiteSpace(IdNumber))
        {
            var idNumber = BeneficiaryRules.NormalizeIdNumber(IdNumber);
            settlements = settlements.Where(settlement => settlement.IdNumber == idNumber);
        }

        if (!string.IsNullOrWhiteSpace(Name))
        {
            var part = Name.Trim();
            settlements = settlements.Where(settlement => settlement.BeneficiaryName.Contains(part));
        }

        if (!string.IsNullOrWhiteSpace(Category))
        {
            var category = Category.Trim();
            settlements = settlements.Where(settlement => settlement.CategoryCode == category);
        }

        if (TryParseChannel(Channel, out var channel) && channel is { } paid)
        {
            settlements = paid switch
            {
                Engine.Channel.InsuranceSubsidy => settlements.Where(settlement => settlement.InsuranceSubsidy > Money.Zero),
                Engine.Channel.Outpatient => settlements.Where(settlement => settlement.Outpatient > Money.Zero),
                Engine.Channel.Inpatient => settlements.Where(settlement => settlement.Inpatient > Money.Zero),
                Engine.Channel.Temporary => settlements.Where(settlement => settlement.Temporary > Money.Zero),
                _ => settlements.Where(settlement => settlement.Charity > Money.Zero),
            };
        }

        if (TryParseStatus(Status, out var status) && status is { } state)
        {
            settlements = settlements.Where(settlement => settlement.Status == state);
        }

        if (TryParseVisitType(VisitType, out var visitType) && visitType is { } type)
        {
            settlements = settlements.Where(settlement => settlement.VisitType == type);
        }

        return settlements;
    }

    /// <summary>Orders by the chosen column, then by id so that pages never overlap or skip.</summary>
    public IOrderedQueryable<Settlement> Sorted(IQueryable<Settlement> settlements)
    {
        var ascending = Order == "asc";
        IOrderedQueryable<Settlement> ordered = (Sort, ascending) switch
        {
            ("serviceDate", true) => settlements.OrderBy(settlement => settlement.ServiceDate),
            ("serviceDate", false) => settlements.OrderByDescending(settlement => settlement.ServiceDate),
            ("fundsSettled", true) => settlements.OrderBy(settlement => settlement.FundsSettled),
            ("fundsSettled", false) => settlements.OrderByDescending(settlement => settlement.FundsSettled),
            ("patientPays", true) => settlements.OrderBy(settlement => settlement.PatientPays),
            ("patientPays", false) => settlements.OrderByDescending(settlement => settlement.PatientPays),
            (_, true) => settlements.OrderBy(settlement => settlement.SettledAt),
            _ => settlements.OrderByDescending(settlement => settlement.SettledAt),
        };
        return ascending ? ordered.ThenBy(settlement => settlement.Id) : ordered.ThenByDescending(settlement => settlement.Id);
    }

    private static bool TryParseChannel(string? text, out Engine.Channel? channel)
    {
        channel = text switch
        {
            "insuranceSubsidy" => Engine.Channel.InsuranceSubsidy,
            "outpatient" => Engine.Channel.Outpatient,
            "inpatient" => Engine.Channel.Inpatient,
            "temporary" => Engine.Channel.Temporary,
            "charity" => Engine.Channel.Charity,
            _ => null,
        };
        return channel is not null || string.IsNullOrEmpty(text);
    }

    private static bool TryParseStatus(string? text, out SettlementState? status)
    {
        status = text switch
        {
            "settled" => SettlementState.Settled,
            "reversed" => SettlementState.Reversed,
            _ => null,
        };
        return status is not null || string.IsNullOrEmpty(text);
    }

    private static bool TryParseVisitType(string? text, out EngineVisitType? visitType)
    {
        visitType = text switch
        {
            "inpatient" => EngineVisitType.Inpatient,
            "outpatient" => EngineVisitType.Outpatient,
            _ => null,
        };
        return visitType is not null || string.IsNullOrEmpty(text);
    }
}

/// <summary>The columns of a settlement that lists and exports read, as one query returns them.</summary>
public sealed class ListRow
{
    public static readonly System.Linq.Expressions.Expression<Func<Settlement, ListRow>> Projection = settlement => new ListRow
    {
        Id = settlement.Id,
        HospitalCode = settlement.HospitalCode,
        VisitNumber = settlement.VisitNumber,
        VisitType = settlement.VisitType,
        IdNumber = settlement.IdNumber,
        Name = settlement.BeneficiaryName,
        Category = settlement.CategoryCode,
        ServiceDate = settlement.ServiceDate,
        Status = settlement.Status,
        Total = settlement.Total,
        FundsSettled = settlement.FundsSettled,
        AssistanceTotal = settlement.AssistanceTotal,
        PatientPays = settlement.PatientPays,
        InsuranceSubsidy = settlement.InsuranceSubsidy,
        Outpatient = settlement.Outpatient,
        Inpatient = settlement.Inpatient,
        Temporary = settlement.Temporary,
        Charity = settlement.Charity,
        SettledAt = settlement.SettledAt,
    };

    public Guid Id { get; init; }

    public required string HospitalCode { get; init; }

    public required string VisitNumber { get; init; }

    public EngineVisitType VisitType { get; init; }

    public required string IdNumber { get; init; }

    public required string Name { get; init; }

    public required string Category { get; init; }

    public DateOnly ServiceDate { get; init; }

    public SettlementState Status { get; init; }

    public Money Total { get; init; }

    public Money FundsSettled { get; init; }

    public Money AssistanceTotal { get; init; }

    public Money PatientPays { get; init; }

    public Money InsuranceSubsidy { get; init; }

    public Money Outpatient { get; init; }

    public Money Inpatient { get; init; }

    public Money Temporary { get; init; }

    public Money Charity { get; init; }

    public DateTimeOffset SettledAt { get; init; }

    public static SettlementListItem ToItem(ListRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new SettlementListItem
        {
            Id = row.Id,
            HospitalCode = row.HospitalCode,
            VisitNumber = row.VisitNumber,
            VisitType = SettlementMapping.ToWire(row.VisitType),
            IdNumberMasked = ResidentIdNumber.Mask(row.IdNumber),
            Name = row.Name,
            Category = row.Category,
            ServiceDate = row.ServiceDate,
            Status = row.Status == SettlementState.Reversed ? SettlementStatus.Reversed : SettlementStatus.Settled,
            FundsSettled = row.FundsSettled.ToYuan(),
            AssistanceTotal = row.AssistanceTotal.ToYuan(),
            PatientPays = row.PatientPays.ToYuan(),
            SettledAt = row.SettledAt,
        };
    }
}
