using Microsoft.AspNetCore.Http.HttpResults;

namespace MedicalAid.Api.Infrastructure;

/// <summary>
/// The one mapping from a staff feature service's <see cref="Outcome{T}"/> to the HTTP answer: the problem's status
/// picks the typed result, so a handler never decides it a second time, and OpenAPI names exactly the answers each
/// kind of request can give.
/// </summary>
public static class AdminResults
{
    /// <summary>A creation: 201 with its location, or the field problems, or a conflict with what exists.</summary>
    public static Results<Created<T>, ValidationProblem, ConflictProblem> Created<T>(Outcome<T> outcome, Func<T, string> location)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(location);
        return outcome.Problem switch
        {
            null => TypedResults.Created(location(outcome.Value!), outcome.Value),
            HttpValidationProblemDetails validation => Validation(validation),
            { Status: StatusCodes.Status409Conflict } conflict => new ConflictProblem(conflict),
            var other => throw Unexpected(other.Status),
        };
    }

    /// <summary>A change of something that exists: 200, or the field problems, or 404 when it is not there (or not the caller's).</summary>
    public static Results<Ok<T>, ValidationProblem, NotFoundProblem> Changed<T>(Outcome<T> outcome)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return outcome.Problem switch
        {
            null => TypedResults.Ok(outcome.Value),
            HttpValidationProblemDetails validation => Validation(validation),
            { Status: StatusCodes.Status404NotFound } missing => new NotFoundProblem(missing),
            var other => throw Unexpected(other.Status),
        };
    }

    public static ValidationProblem Validation(HttpValidationProblemDetails problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return TypedResults.ValidationProblem(problem.Errors, problem.Detail, problem.Instance, problem.Title, problem.Type);
    }

    private static InvalidOperationException Unexpected(int? status) =>
        new($"A staff service answered a problem ({status}) its endpoint does not describe.");
}
