using System.Security.Claims;
using MedicalAid.Api.Hospitals;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace MedicalAid.Api.Settlements;

public static class SettlementEndpoints
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    public static IEndpointRouteBuilder MapSettlements(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/settlements")
            .RequireAuthorization(HospitalCaller.Policy)
            .RequireRateLimiting(RateLimiting.HospitalPolicy)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithTags("Settlements");

        group.MapPost("/preview", Preview)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithName("PreviewSettlement")
            .WithSummary("Calculate a settlement without recording anything (预结算).");
        group.MapPost("/", Settle)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithName("Settle")
            .WithSummary("Settle a discharge or visit (结算). Requires Idempotency-Key; a retry with the same key and body replays the original answer.");
        group.MapGet("/{settlementId:guid}", GetById)
            .WithName("GetSettlement")
            .WithSummary("A settlement of this hospital by id.");
        group.MapGet("/", FindByVisit)
            .WithName("FindSettlementsByVisit")
            .WithSummary("This hospital's settlements of a visit, reversed ones included.");
        group.MapPost("/{settlementId:guid}/reversal", Reverse)
            .WithName("ReverseSettlement")
            .WithSummary("Undo a settlement (撤销): funds and usage are restored exactly and the visit can be settled again. Requires Idempotency-Key.");
        group.MapPost("/reversal-by-request", ReverseByRequest)
            .WithName("ReverseByRequest")
            .WithSummary("Reverse whatever an Idempotency-Key settled (冲正); if nothing arrived under it, void the key so that a late original is refused.");
        return routes;
    }

    public static async Task<Results<Ok<SettlementCalculation>, ValidationProblem, UnprocessableProblem>> Preview(
        SettlementRequest request, ClaimsPrincipal user, SettlementService settlements, CancellationToken cancellationToken)
    {
        var outcome = await settlements.PreviewAsync(HospitalCaller.From(user), request, cancellationToken);
        return outcome.Problem switch
        {
            null => TypedResults.Ok(outcome.Value),
            HttpValidationProblemDetails validation => Validation(validation),
            var problem => new UnprocessableProblem(problem),
        };
    }

    public static async Task<Results<Created<SettlementResponse>, ValidationProblem, ConflictProblem, UnprocessableProblem>> Settle(
        SettlementRequest request,
        [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey,
        ClaimsPrincipal user,
        HttpRequest httpRequest,
        HttpResponse response,
        SettlementService settlements,
        CancellationToken cancellationToken)
    {
        if (RepeatedIdempotencyKey(httpRequest) is { } repeated)
        {
            return repeated;
        }

        var outcome = await settlements.SettleAsync(HospitalCaller.From(user), idempotencyKey, request, cancellationToken);
        MarkReplay(outcome.Replayed, response);
        return outcome.Problem switch
        {
            null => TypedResults.Created($"/api/v1/settlements/{outcome.Value!.SettlementId}", outcome.Value),
            HttpValidationProblemDetails validation => Validation(validation),
            { Status: StatusCodes.Status409Conflict } conflict => new ConflictProblem(conflict),
            var problem => new UnprocessableProblem(problem),
        };
    }

    public static async Task<Results<Ok<SettlementResponse>, NotFoundProblem>> GetById(
        Guid settlementId, ClaimsPrincipal user, SettlementService settlements, CancellationToken cancellationToken)
    {
        var outcome = await settlements.FindAsync(HospitalCaller.From(user), settlementId, cancellationToken);
        return outcome.Problem is null ? TypedResults.Ok(outcome.Value) : new NotFoundProblem(outcome.Problem);
    }

    public static async Task<Results<Ok<IReadOnlyList<SettlementResponse>>, ValidationProblem>> FindByVisit(
        string? visitNumber, ClaimsPrincipal user, SettlementService settlements, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(visitNumber) || visitNumber.Length > SettlementRules.MaxVisitNumberLength)
        {
            return Validation(Problems.Validation("visitNumber", $"The visitNumber query parameter is required (1 to {SettlementRules.MaxVisitNumberLength} characters)."));
        }

        return TypedResults.Ok(await settlements.FindByVisitAsync(HospitalCaller.From(user), SettlementRules.NormalizeVisitNumber(visitNumber), cancellationToken));
    }

    public static async Task<Results<Created<ReversalResponse>, Ok<ReversalResponse>, ValidationProblem, NotFoundProblem, UnprocessableProblem, ConflictProblem>> Reverse(
        Guid settlementId,
        [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey,
        [FromBody] ReversalRequest? request,
        ClaimsPrincipal user,
        HttpRequest httpRequest,
        HttpResponse response,
        SettlementService settlements,
        CancellationToken cancellationToken)
    {
        if (RepeatedIdempotencyKey(httpRequest) is { } repeated)
        {
            return repeated;
        }

        var outcome = await settlements.ReverseAsync(HospitalCaller.From(user), settlementId, idempotencyKey, request, cancellationToken);
        MarkReplay(outcome.Replayed, response);
        return outcome.Problem switch
        {
            null when outcome.Status == StatusCodes.Status201Created => TypedResults.Created($"/api/v1/settlements/{settlementId}", outcome.Value),
            null => TypedResults.Ok(outcome.Value),
            HttpValidationProblemDetails validation => Validation(validation),
            { Status: StatusCodes.Status404NotFound } notFound => new NotFoundProblem(notFound),
            { Status: StatusCodes.Status409Conflict } conflict => new ConflictProblem(conflict),
            var problem => new UnprocessableProblem(problem),
        };
    }

    public static async Task<Results<Ok<ReversalByRequestResponse>, ValidationProblem, UnprocessableProblem>> ReverseByRequest(
        ReversalByRequest request, ClaimsPrincipal user, SettlementService settlements, CancellationToken cancellationToken)
    {
        var outcome = await settlements.ReverseByRequestAsync(HospitalCaller.From(user), request, cancellationToken);
        return outcome.Problem switch
        {
            null => TypedResults.Ok(outcome.Value),
            HttpValidationProblemDetails validation => Validation(validation),
            var problem => new UnprocessableProblem(problem),
        };
    }

    /// <summary>
    /// Two Idempotency-Key headers would be joined into one key ("a,b") by the binder: a request that is neither
    /// retry. It is refused instead.
    /// </summary>
    private static ValidationProblem? RepeatedIdempotencyKey(HttpRequest request) =>
        request.Headers[IdempotencyKeyHeader].Count > 1
            ? Validation(Problems.Validation(IdempotencyKeyHeader, "Send the Idempotency-Key header once, with one key."))
            : null;

    private static ValidationProblem Validation(HttpValidationProblemDetails problem) =>
        TypedResults.ValidationProblem(problem.Errors, problem.Detail, problem.Instance, problem.Title, problem.Type);

    private static void MarkReplay(bool replayed, HttpResponse response)
    {
        if (replayed)
        {
            response.Headers[ReplayedHeader] = "true";
        }
    }
}
