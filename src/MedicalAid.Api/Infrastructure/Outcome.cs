using Microsoft.AspNetCore.Mvc;

namespace MedicalAid.Api.Infrastructure;

/// <summary>What a feature service decided: a value with its HTTP status (and whether it is a replay), or a problem.</summary>
public sealed record Outcome<T>(T? Value, int Status, ProblemDetails? Problem, bool Replayed) : IRefusable
    where T : class
{
    bool IRefusable.IsRefusal => Problem is not null;

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

/// <summary>
/// An answer that may refuse the request. <see cref="TransactionRunner"/> rolls back the unit of work of a refusal, so
/// that a refused request records nothing, not even a row the work created on its way to the refusal.
/// </summary>
public interface IRefusable
{
    bool IsRefusal { get; }
}
