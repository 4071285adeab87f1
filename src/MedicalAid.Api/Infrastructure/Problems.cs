using System.Text.Json;
using System.Text.RegularExpressions;
using MedicalAid.Contracts;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace MedicalAid.Api.Infrastructure;

/// <summary>The RFC 9457 problems the API answers with, each with its stable <see cref="ProblemTypes">type</see>.</summary>
public static class Problems
{
    public static ProblemDetails Create(int status, string type, string title, string? detail = null) =>
        new() { Status = status, Type = type, Title = title, Detail = detail };

    public static HttpValidationProblemDetails Validation(IDictionary<string, string[]> errors, string? detail = null) =>
        new(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Type = ProblemTypes.Validation,
            Title = "The request is not valid.",
            Detail = detail ?? "See errors: each names the field and what is wrong with it.",
        };

    public static HttpValidationProblemDetails Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemDetails NotFound(string what) =>
        Create(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "Not found.", what);

    public static ProblemDetails WithExtension(this ProblemDetails problem, string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(problem);
        problem.Extensions[name] = value;
        return problem;
    }
}

/// <summary>
/// Turns what escapes a handler into problem+json: unreadable bodies (malformed JSON, wrong types, missing required
/// fields, too large) become 400/413 naming the field; anything else is a logged 500 that reveals nothing.
/// </summary>
public sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(exception);
        ProblemDetails problem = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => Problems.Create(
                StatusCodes.Status413PayloadTooLarge, ProblemTypes.PayloadTooLarge, "The request body is too large."),
            BadHttpRequestException badRequest when badRequest.StatusCode == StatusCodes.Status400BadRequest => Unreadable(badRequest),
            BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } => UnsupportedMediaType(),
            BadHttpRequestException { StatusCode: StatusCodes.Status408RequestTimeout } => Problems.Create(
                StatusCodes.Status408RequestTimeout, ProblemTypes.RequestTimeout, "The request was not received in time.",
                "The body arrived too slowly. Nothing was recorded; send it again with the same Idempotency-Key."),
            BadHttpRequestException other => Problems.Create(other.StatusCode, ProblemTypes.Validation, "The request could not be read."),
            // Whatever field carried it: PostgreSQL cannot store or even compare text holding a NUL character.
            _ when DatabaseErrors.IsNulInText(exception) => Problems.Create(StatusCodes.Status400BadRequest, ProblemTypes.Validation,
                "The request holds a NUL character.", "Text may not contain U+0000. Nothing was recorded."),
            DatabaseBusyException => Problems.Create(StatusCodes.Status503ServiceUnavailable, ProblemTypes.Busy,
                "The service is busy.", "Nothing was recorded. Retry with the same Idempotency-Key after the Retry-After interval."),
            // The database refused or dropped a connection (too many clients, restarting, network): the request may succeed later.
            _ when DatabaseErrors.IsTransient(exception) => Problems.Create(StatusCodes.Status503ServiceUnavailable, ProblemTypes.Busy,
                "The database is unavailable for a moment.", "Retry with the same Idempotency-Key after the Retry-After interval; a retry never pays twice."),
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested => Problems.Create(
                499, ProblemTypes.Internal, "The client closed the request."),
            _ => Problems.Create(StatusCodes.Status500InternalServerError, ProblemTypes.Internal, "An unexpected error occurred.",
                "Nothing was recorded unless the operation had already been acknowledged. Retrying with the same Idempotency-Key is safe."),
        };

        if (problem.Status == StatusCodes.Status500InternalServerError)
        {
            LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path.Value);
        }
        else if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            LogUnavailable(logger, exception, httpContext.Request.Method, httpContext.Request.Path.Value);
        }

        httpContext.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = "1";
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database busy or unavailable on {Method} {Path}; answered 503")]
    private static partial void LogUnavailable(ILogger logger, Exception exception, string method, string? path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string? path);

    private static readonly string[] FieldRequired = ["This field is required."];

    public static ProblemDetails UnsupportedMediaType() => Problems.Create(
        StatusCodes.Status415UnsupportedMediaType, ProblemTypes.UnsupportedMediaType, "The body is not JSON.",
        "Send the body as application/json.");

    /// <summary>
    /// The framework's binding messages name its own types and parameters ("Failed to bind parameter "Nullable&lt;int&gt;
    /// pageSize""): the answer names the field in the API's words instead, and never repeats the message.
    /// </summary>
    private static HttpValidationProblemDetails Unreadable(BadHttpRequestException exception)
    {
        if (exception.InnerException is not JsonException json)
        {
            var text = exception.Message;
            if (BindingFailure().Match(text) is { Success: true } failed)
            {
                return Problems.Validation(failed.Groups["name"].Value, ExpectedValue(failed.Groups["type"].Value));
            }

            if (RequiredParameter().Match(text) is { Success: true } required)
            {
                return required.Groups["source"].Value.StartsWith("body", StringComparison.Ordinal)
                    ? Problems.Validation("body", "A JSON body is required.")
                    : Problems.Validation(required.Groups["name"].Value, "This parameter is required.");
            }

            return text.Contains("no body was provided", StringComparison.Ordinal) || text.Contains("end of request content", StringComparison.Ordinal)
                ? Problems.Validation("body", "A JSON body is required.")
                : Problems.Validation("body", "The request could not be read.");
        }

        var field = JsonPathToField(json.Path);
        var message = json.Message;
        if (message.Contains("missing required properties", StringComparison.Ordinal))
        {
            // "… for type 'Some.Type' was missing required properties including: 'a', 'b'.": the names after "including".
            var including = message.IndexOf("including", StringComparison.Ordinal);
            var names = MissingPropertyNames().Matches(including < 0 ? message : message[including..]).Select(match => match.Groups["name"].Value).ToArray();
            return Problems.Validation(names.ToDictionary(
                name => field == "body" ? name : $"{field}.{name}",
                _ => FieldRequired,
                StringComparer.Ordinal));
        }

        var explanation = message switch
        {
            TextRules.Refusal => TextRules.Refusal,
            _ when message.Contains("could not be mapped", StringComparison.Ordinal) => "Unknown field; check its spelling against the API documentation.",
            _ when message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase) => "The field appears more than once.",
            _ when message.Contains("null", StringComparison.OrdinalIgnoreCase) && message.Contains("nullable", StringComparison.OrdinalIgnoreCase) => "This field must not be null.",
            _ when message.Contains("could not be converted", StringComparison.Ordinal) => "The value has the wrong type or format for this field.",
            _ when message.Contains("maximum configured depth", StringComparison.Ordinal) => "The body is nested too deeply.",
            _ => $"The body is not valid JSON (line {json.LineNumber + 1}, byte {json.BytePositionInLine}).",
        };
        return Problems.Validation(field, explanation);
    }

    private static string JsonPathToField(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.TrimStart('$', '.');

    [GeneratedRegex("'(?<name>[^']+)'")]
    private static partial Regex MissingPropertyNames();

    [GeneratedRegex("^Failed to bind parameter \"(?<type>.+) (?<name>[^ \"]+)\" from")]
    private static partial Regex BindingFailure();

    [GeneratedRegex("^Required parameter \"(?<type>.+) (?<name>[^ \"]+)\" was not provided from (?<source>[^.]+)")]
    private static partial Regex RequiredParameter();

    private static string ExpectedValue(string type)
    {
        var bare = type.StartsWith("Nullable<", StringComparison.Ordinal) ? type["Nullable<".Length..^1] : type;
        return bare switch
        {
            "int" or "long" or "short" or "Int32" or "Int64" => "Expected a whole number.",
            "decimal" => "Expected a number.",
            "bool" or "Boolean" => "Expected true or false.",
            "DateOnly" => "Expected a date as yyyy-MM-dd.",
            "DateTimeOffset" or "DateTime" => "Expected an ISO 8601 date and time.",
            "Guid" => "Expected a UUID.",
            _ => "The value is not one this parameter accepts; see the API documentation.",
        };
    }
}

/// <summary>
/// Refuses bodies over the limit before they are read: Kestrel enforces it on the wire, this answers in problem+json.
/// The limit is 64 KiB unless the endpoint declares its own (<see cref="Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata"/>,
/// e.g. <see cref="RequestSizeLimitAttribute"/>), as the beneficiary CSV import does. Routing runs before this
/// middleware (WebApplication adds it first), so the endpoint is known here.
/// </summary>
public sealed class RequestBodyLimitMiddleware(RequestDelegate next, IProblemDetailsService problems)
{
    public const long MaxBodyBytes = 64 * 1024;

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var maxBodyBytes = context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata>() is { } declared
            ? declared.MaxRequestBodySize
            : MaxBodyBytes;
        if (context.Request.ContentLength > maxBodyBytes)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = Problems.Create(StatusCodes.Status413PayloadTooLarge, ProblemTypes.PayloadTooLarge,
                    "The request body is too large.", $"At most {maxBodyBytes} bytes."),
            });
            return;
        }

        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBodyBytes;
        }

        await next(context);
    }
}

/// <summary>
/// Refuses a query string that holds a NUL character (%00) with a 400 naming the parameter. No filter means anything
/// with one, and PostgreSQL cannot store or even compare text containing it: such a search used to answer 500.
/// (Kestrel already refuses a NUL in the path.)
/// </summary>
public sealed class NulInQueryMiddleware(RequestDelegate next, IProblemDetailsService problems)
{
    private static readonly string[] NotAllowed = ["A NUL character (%00) is not allowed in a query parameter."];

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var offending = context.Request.Query
            .Where(parameter => parameter.Key.Contains('\0', StringComparison.Ordinal) || parameter.Value.Any(value => value?.Contains('\0', StringComparison.Ordinal) == true))
            .Select(parameter => parameter.Key.Replace("\0", "\\0", StringComparison.Ordinal))
            .ToList();
        if (offending.Count == 0)
        {
            await next(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = Problems.Validation(offending.ToDictionary(name => name, _ => NotAllowed, StringComparer.Ordinal)),
        });
    }
}
