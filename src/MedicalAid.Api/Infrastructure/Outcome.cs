using Microsoft.AspNetCore.Mvc;

namespace MedicalAid.Api.Infrastructure;

/// <summary>What a feature service decided: a value with its HTTP status (and whether it is a replay), or a problem.</summary>
public sealed record Outcome<T>(T? Value, int Status, ProblemDetails? Problem, bool Replayed)
    where T : class
{
#pragma warning disable CA2225 // Outcome.Failure is the named alternative.
    public static implicit operator Outcome<T>(ProblemDetails problem) => Outcome.Failure<T>(problem);
#pragma warning restore CA2225
}

public static class Outcome
{
    public static Outcome<T> Success<T>(T value, int status, bool replayed = false)
        where T : class => new(value, status, null, replayed);

    public static Outcome<T> Failure<T>(ProblemDetails problem)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(problem);
        return new Outcome<T>(null, problem.Status ?? StatusCodes.Status400BadRequest, problem, false);
    }
}
