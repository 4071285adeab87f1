using System.Net;
using System.Runtime.ExceptionServices;
using Refit;

namespace MedicalAid.Client;

/// <summary>
/// For the methods that return <see cref="IApiResponse{T}"/> (such as <see cref="IMedicalAidHospitalApi.SettleAsync"/>, whose
/// headers tell a replay): Refit keeps only its own exceptions in <see cref="IApiResponse.Error"/>, so MedicalAid's problem is
/// read with <see cref="Problem"/>, and <see cref="ContentOrThrow{T}"/> throws what a method returning <c>Task&lt;T&gt;</c> would.
/// </summary>
public static class MedicalAidApiResponses
{
    public const string ReplayedHeader = "Idempotent-Replayed";

    internal static readonly HttpRequestOptionsKey<MedicalAidProblemException> ProblemOption = new("MedicalAid.Problem");

    /// <summary>The problem MedicalAid answered with; null for a success or when no answer arrived.</summary>
    public static MedicalAidProblemException? Problem(this IApiResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.RequestMessage is { } request && request.Options.TryGetValue(ProblemOption, out var problem) ? problem : null;
    }

    /// <summary>
    /// The content of a successful answer. Otherwise throws the <see cref="MedicalAidProblemException"/> MedicalAid answered
    /// with, or the failure that kept an answer from arriving (a timeout, a broken connection …) as the pipeline raised it.
    /// </summary>
    public static T ContentOrThrow<T>(this IApiResponse<T> response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.IsSuccessful && response.Content is { } content)
        {
            return content;
        }

        if (response.Problem() is { } problem)
        {
            throw problem;
        }

        if (response.Error is ApiRequestException { InnerException: { } transport })
        {
            ExceptionDispatchInfo.Throw(transport);
        }

        throw (Exception?)response.Error
            ?? new MedicalAidProblemException(response.StatusCode ?? HttpStatusCode.InternalServerError, null, response.ReasonPhrase, "The answer had no content.", new Dictionary<string, string[]>(), null);
    }

    /// <summary>True when the API answered with the original response to an earlier request under the same key.</summary>
    public static bool IsReplay(this IApiResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.Headers is { } headers && headers.TryGetValues(ReplayedHeader, out var values) && values.Contains("true", StringComparer.OrdinalIgnoreCase);
    }
}
