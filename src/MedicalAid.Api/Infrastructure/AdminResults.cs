using Microsoft.AspNetCore.Http.HttpResults;

namespace MedicalAid.Api.Infrastructure;

/// <summary>
/// The one mapping from a staff feature service's <see cref="Outcome{T}"/> to the HTTP answer: the problem's status
/// picks the typed result, so a handler never decides it a second time.
/// </summary>
public static class AdminResults
{
    public static Results<Ok<T>, Created<T>, ValidationProblem, NotFoundProblem, ConflictProblem> Map<T>(Outcome<T> outcome, Func<T, string> location)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(location);
        return outcome.Problem switch
        {
            null when outcome.Status == StatusCodes.Status201Created => TypedResults.Created(location(outcome.Value!), outcome.Value),
            null => TypedResults.Ok(outcome.Value),
            HttpValidationProblemDetails validation => Validation(validation),
            { Status: StatusCodes.Status404NotFound } problem => new NotFoundProblem(problem),
            var problem => new ConflictProblem(problem),
        };
    }

    public static ValidationProblem Validation(HttpValidationProblemDetails problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return TypedResults.ValidationProblem(problem.Errors, problem.Detail, problem.Instance, problem.Title, problem.Type);
    }
}
