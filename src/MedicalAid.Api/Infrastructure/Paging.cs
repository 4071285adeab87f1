using MedicalAid.Contracts;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Infrastructure;

public static class Paging
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    /// <summary>The problem with a page request, or null: pages count from 1, sizes from 1 to <see cref="MaxPageSize"/>.</summary>
    public static HttpValidationProblemDetails? Problem(int? pageNumber, int? pageSize)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (pageNumber is < 1)
        {
            errors["pageNumber"] = ["Pages count from 1."];
        }

        if (pageSize is < 1 or > MaxPageSize)
        {
            errors["pageSize"] = [$"From 1 to {MaxPageSize}."];
        }

        return errors.Count == 0 ? null : Problems.Validation(errors);
    }

    /// <summary>Counts the matches and reads one page of an ordered query.</summary>
    public static async Task<Page<TOut>> ToPageAsync<TIn, TOut>(
        this IQueryable<TIn> ordered, int? pageNumber, int? pageSize, Func<TIn, TOut> map, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(map);
        var number = pageNumber ?? 1;
        var size = pageSize ?? DefaultPageSize;
        var total = await ordered.LongCountAsync(cancellationToken);

        // A page past the end is empty; computing its offset in int would overflow for a page number near int.MaxValue.
        var offset = (long)(number - 1) * size;
        var items = offset >= total ? [] : await ordered.Skip((int)Math.Min(offset, int.MaxValue)).Take(size).ToListAsync(cancellationToken);
        return new Page<TOut> { Items = items.Select(map).ToArray(), PageNumber = number, PageSize = size, Total = total };
    }
}
