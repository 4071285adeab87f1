using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MedicalAid.Contracts;

namespace MedicalAid.Client;

/// <summary>An RFC 9457 problem answered by MedicalAid, with its stable <see cref="Type"/> (see <see cref="ProblemTypes"/>).</summary>
public sealed class MedicalAidProblemException : Exception
{
    public MedicalAidProblemException()
        : this(HttpStatusCode.InternalServerError, null, null, null, new Dictionary<string, string[]>(), null)
    {
    }

    public MedicalAidProblemException(string message)
        : base(message)
    {
        Errors = new Dictionary<string, string[]>();
    }

    public MedicalAidProblemException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = new Dictionary<string, string[]>();
    }

    public MedicalAidProblemException(
        HttpStatusCode status, string? type, string? title, string? detail, IReadOnlyDictionary<string, string[]> errors, JsonElement? body)
        : base($"{(int)status} {type ?? "(no problem type)"}: {title}{(detail is null ? "" : " " + detail)}")
    {
        Status = status;
        Type = type;
        Title = title;
        Detail = detail;
        Errors = errors;
        Body = body;
    }

    public HttpStatusCode Status { get; }

    /// <summary>The problem's type, such as <see cref="ProblemTypes.VisitAlreadySettled"/>; null when the answer was not problem+json.</summary>
    public string? Type { get; }

    public string? Title { get; }

    public string? Detail { get; }

    /// <summary>Field-level messages of a validation problem, keyed by JSON field.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <summary>The whole problem document, for extensions such as settlementId on visit-already-settled.</summary>
    public JsonElement? Body { get; }

    internal static async ValueTask<Exception?> FromResponseAsync(HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        JsonElement? body = null;
        try
        {
            if (response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json")
            {
                body = await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false);
            }
        }
        catch (JsonException)
        {
            body = null;
        }

        string? Text(string name) => body is { ValueKind: JsonValueKind.Object } element && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (body is { ValueKind: JsonValueKind.Object } problem && problem.TryGetProperty("errors", out var fields) && fields.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in fields.EnumerateObject())
            {
                errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                    ? field.Value.EnumerateArray().Select(message => message.GetString() ?? "").ToArray()
                    : [field.Value.ToString()];
            }
        }

        var answered = new MedicalAidProblemException(response.StatusCode, Text("type"), Text("title") ?? response.ReasonPhrase, Text("detail"), errors, body);

        // A method returning IApiResponse<T> keeps only Refit's own exceptions in Error; the request carries this one to
        // MedicalAidApiResponses.Problem().
        response.RequestMessage?.Options.Set(MedicalAidApiResponses.ProblemOption, answered);
        return answered;
    }
}
