using System.Security.Claims;
using MedicalAid.Api.Audit;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Staff;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using MedicalAid.Engine;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using WireKind = MedicalAid.Contracts.Admin.LedgerEntryKind;

namespace MedicalAid.Api.Funds;

/// <summary>Fund balances, top-ups, the ledger and the yearly insurance-subsidy run, for staff.</summary>
public static class FundAdminEndpoints
{
    private const int MaxReasonLength = 256;

    public static IEndpointRouteBuilder MapFundAdmin(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/admin/funds")
            .RequireAuthorization(StaffAccess.ReadPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithTags("Funds");
        group.MapGet("/", Balances).WithName("ListFundBalances").WithSummary("Balance of every channel's fund, for one year or all.");
        group.MapGet("/{year:int}/{channel}/ledger", Ledger).WithName("GetFundLedger").WithSummary("A fund's ledger, newest first (accounts whose unit covers every unit).");
        group.MapPost("/{year:int}/{channel}/top-ups", TopUp).RequireAuthorization(StaffAccess.CityAdminPolicy)
            .WithName("TopUpFund").WithSummary("Put money into a fund (opens the fund for that year if needed); written as a ledger entry.");
        group.MapPost("/{year:int}/insurance-subsidy-run", RunSubsidy).RequireAuthorization(StaffAccess.CityAdminPolicy)
            .WithName("RunInsuranceSubsidy")
            .WithSummary("Pay the year's premium subsidy (资助参保) to every eligible active beneficiary not yet paid; running it again pays no one twice.");
        return routes;
    }

    public static async Task<Ok<IReadOnlyList<FundBalanceResponse>>> Balances(int? year, FundQueries funds, CancellationToken cancellationToken) =>
        TypedResults.Ok(await funds.BalancesAsync(year, null, cancellationToken));

    public static async Task<Results<Ok<Page<LedgerEntryResponse>>, ValidationProblem, NotFoundProblem>> Ledger(
        int year, string channel, int? pageNumber, int? pageSize, ClaimsPrincipal user, MedicalAidDbContext db, DataScopes scopes, CancellationToken cancellationToken)
    {
        // Every debit names a settlement and its amount: a ledger shows the money of every unit's people, so only an
        // account whose scope covers every unit reads it (balances, the same for all, stay open to every role).
        if (!(await scopes.ForAsync(user, cancellationToken)).CoversAll)
        {
            return new NotFoundProblem(Problems.NotFound("No ledger in your scope."));
        }

        if (ParseChannel(channel) is not { } parsed)
        {
            return UnknownChannel(channel);
        }

        if (Paging.Problem(pageNumber, pageSize) is { } problem)
        {
            return TypedResults.ValidationProblem(problem.Errors, problem.Detail, type: problem.Type);
        }

        var fund = await db.Funds.AsNoTracking().FirstOrDefaultAsync(candidate => candidate.Year == year && candidate.Channel == parsed, cancellationToken);
        if (fund is null)
        {
            return new NotFoundProblem(Problems.NotFound($"No {channel} fund for {year}."));
        }

        return TypedResults.Ok(await db.LedgerEntries.AsNoTracking()
            .Where(entry => entry.FundId == fund.Id)
            .OrderByDescending(entry => entry.Id)
            .ToPageAsync(pageNumber, pageSize, ToResponse, cancellationToken));
    }

    public static async Task<Results<Ok<FundBalanceResponse>, ValidationProblem>> TopUp(
        int year,
        string channel,
        TopUpRequest request,
        ClaimsPrincipal user,
        MedicalAidDbContext db,
        TransactionRunner transactions,
        RowLocks locks,
        ServiceCalendar calendar,
        AuditTrail audit,
        FundQueries fundQueries,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var parsed = ParseChannel(channel);
        if (parsed is null)
        {
            errors["channel"] = ["One of insuranceSubsidy, outpatient, inpatient, temporary, charity."];
        }

        if (year is < 2000 or > 2100)
        {
            errors["year"] = ["A calendar year."];
        }

        if (!Money.TryFromYuan(request.Amount, out var amount) || !amount.IsPositive || amount > Money.FromYuan(10_000_000_000))
        {
            errors["amount"] = ["A positive amount in yuan with at most two decimals."];
        }

        var reason = request.Reason?.Trim() ?? "";
        if (reason.Length is 0 or > MaxReasonLength || reason.Any(char.IsControl))
        {
            errors["reason"] = [$"1 to {MaxReasonLength} characters, no control characters."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        var fundChannel = parsed!.Value;
        await transactions.RunAsync(async ct =>
        {
            await db.Database.ExecuteSqlAsync(
                $"""INSERT INTO "Funds" ("Channel", "Year", "Balance") VALUES ({fundChannel.ToString()}, {year}, 0) ON CONFLICT DO NOTHING""", ct);
            var funds = await locks.FundsAsync(year, ct);
            var before = funds.Single(fund => fund.Channel == fundChannel).Balance;
            FundLedger.Post(db, funds, ChannelAmounts.Zero.With(fundChannel, amount), new LedgerEntry
            {
                Kind = LedgerEntryKind.TopUp,
                Year = year,
                Note = reason,
                CreatedAt = calendar.Now(),
            });
            var after = funds.Single(fund => fund.Channel == fundChannel).Balance;
            audit.Record(user, "fund.topped-up", "fund", $"{year}/{channel}",
                new { year, channel, balance = before.ToYuan() },
                new { year, channel, balance = after.ToYuan(), amount = amount.ToYuan(), reason });
            await db.SaveChangesAsync(ct);
            return after;
        }, cancellationToken);
        return TypedResults.Ok((await fundQueries.BalancesAsync(year, fundChannel, cancellationToken)).Single());
    }

    public static async Task<Results<Ok<SubsidyRunResponse>, ValidationProblem, UnprocessableProblem>> RunSubsidy(
        int year, ClaimsPrincipal user, SubsidyRun run, ServiceCalendar calendar, AuditTrail audit, MedicalAidDbContext db, CancellationToken cancellationToken)
    {
        if (year < 2000 || year > calendar.Today().Year)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["year"] = ["The run pays for this year or an earlier one."] }, type: ProblemTypes.Validation);
        }

        var outcome = await run.RunAsync(year, cancellationToken);
        if (outcome.Result is not { } result)
        {
            return new UnprocessableProblem(Problems.Create(StatusCodes.Status422UnprocessableEntity, ProblemTypes.NoPolicyInForce,
                "No policy covers the run date.", outcome.NoPolicy));
        }

        db.ChangeTracker.Clear();
        audit.Record(user, "fund.subsidy-run", "fund", $"{year}/insuranceSubsidy", null, result);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(result);
    }

    private static Channel? ParseChannel(string channel) => channel switch
    {
        "insuranceSubsidy" => Channel.InsuranceSubsidy,
        "outpatient" => Channel.Outpatient,
        "inpatient" => Channel.Inpatient,
        "temporary" => Channel.Temporary,
        "charity" => Channel.Charity,
        _ => null,
    };

    private static ValidationProblem UnknownChannel(string channel) => TypedResults.ValidationProblem(
        new Dictionary<string, string[]> { ["channel"] = [$"'{channel}' is not one of insuranceSubsidy, outpatient, inpatient, temporary, charity."] },
        type: ProblemTypes.Validation);

    private static LedgerEntryResponse ToResponse(LedgerEntry entry) => new()
    {
        Id = entry.Id,
        Kind = entry.Kind switch
        {
            LedgerEntryKind.OpeningBalance => WireKind.OpeningBalance,
            LedgerEntryKind.TopUp => WireKind.TopUp,
            LedgerEntryKind.SettlementDebit => WireKind.SettlementDebit,
            LedgerEntryKind.ReversalCredit => WireKind.ReversalCredit,
            _ => WireKind.PremiumSubsidy,
        },
        Amount = entry.Amount.ToYuan(),
        SettlementId = entry.SettlementId,
        ReversalId = entry.ReversalId,
        Note = entry.Note,
        CreatedAt = entry.CreatedAt,
    };
}
