namespace MedicalAid.Contracts;

/// <summary>One page of a longer list, with the total number of matching items.</summary>
public sealed record class Page<T>
{
    public required IReadOnlyList<T> Items { get; init; }

    /// <summary>1-based page number.</summary>
    public required int PageNumber { get; init; }

    public required int PageSize { get; init; }

    /// <summary>Items matching the filters, over all pages.</summary>
    public required long Total { get; init; }
}
