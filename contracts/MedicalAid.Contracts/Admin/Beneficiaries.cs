using System.Text.Json.Serialization;

namespace MedicalAid.Contracts.Admin;

/// <summary>A beneficiary in a list. The ID number is masked: lists never show it in full.</summary>
public sealed record class BeneficiaryListItem
{
    public required long Id { get; init; }

    /// <example>1401**********0026</example>
    public required string IdNumberMasked { get; init; }

    /// <example>李秀英</example>
    public required string Name { get; init; }

    /// <summary>The 6-digit administrative division the beneficiary belongs to.</summary>
    /// <example>140109</example>
    public required string DivisionCode { get; init; }

    /// <summary>The unit (office) the beneficiary belongs to: a township, or a district.</summary>
    /// <example>140109001</example>
    public required string UnitCode { get; init; }

    /// <summary>The category in force today; null while the registration has not yet taken effect.</summary>
    /// <example>minimum-living</example>
    public string? Category { get; init; }

    /// <summary>Whether the beneficiary is active today.</summary>
    public required bool Active { get; init; }
}

/// <summary>One beneficiary with the full ID number and the whole status history.</summary>
public sealed record class BeneficiaryDetail
{
    public required long Id { get; init; }

    /// <example>140109196208150026</example>
    public required string IdNumber { get; init; }

    /// <example>李秀英</example>
    public required string Name { get; init; }

    /// <example>140109</example>
    public required string DivisionCode { get; init; }

    /// <summary>The unit (office) the beneficiary belongs to: a township, or a district.</summary>
    /// <example>140109001</example>
    public required string UnitCode { get; init; }

    /// <summary>The category in force today; null while the registration has not yet taken effect.</summary>
    /// <example>minimum-living</example>
    public string? Category { get; init; }

    /// <summary>Whether the beneficiary is active today.</summary>
    public required bool Active { get; init; }

    /// <summary>Every status change, oldest first. The one in force on a date is the latest effective on or before it.</summary>
    public required IReadOnlyList<BeneficiaryStatusEntry> StatusHistory { get; init; }
}

/// <summary>A change of category or of active/inactive, effective from a date.</summary>
public sealed record class BeneficiaryStatusEntry
{
    public required long Id { get; init; }

    /// <example>2026-01-01</example>
    public required DateOnly EffectiveFrom { get; init; }

    /// <example>minimum-living</example>
    public required string Category { get; init; }

    public required bool Active { get; init; }
}

/// <summary>Registers a beneficiary.</summary>
public sealed record class CreateBeneficiaryRequest
{
    /// <summary>18-character resident ID number (GB 11643); a lower-case x is accepted for the check character.</summary>
    /// <example>140109196208150026</example>
    public required string IdNumber { get; init; }

    /// <summary>1 to 64 characters, no control characters; surrounding spaces are removed.</summary>
    /// <example>李秀英</example>
    public required string Name { get; init; }

    /// <summary>6-digit administrative division code; defaults to the first six digits of the ID number.</summary>
    /// <example>140109</example>
    public string? DivisionCode { get; init; }

    /// <summary>The unit the person belongs to, inside your scope; defaults to the district unit of the division code.</summary>
    /// <example>140109001</example>
    public string? UnitCode { get; init; }

    /// <summary>A category code (see the Categories of the policy), such as `minimum-living`.</summary>
    /// <example>minimum-living</example>
    public required string Category { get; init; }

    /// <summary>The date from which the category and status apply; not before the birth date.</summary>
    /// <example>2026-01-01</example>
    public required DateOnly EffectiveFrom { get; init; }

    /// <summary>Whether the beneficiary is active from that date; defaults to true.</summary>
    public bool Active { get; init; } = true;
}

/// <summary>Corrects a beneficiary's name and division. The ID number never changes; category and status change through status changes.</summary>
public sealed record class UpdateBeneficiaryRequest
{
    /// <example>李秀英</example>
    public required string Name { get; init; }

    /// <example>140109</example>
    public required string DivisionCode { get; init; }

    /// <summary>Move the person to this unit (inside your scope); leave out to keep their unit.</summary>
    /// <example>140109001</example>
    public string? UnitCode { get; init; }
}

/// <summary>A new entry in the status history: the category and status in force from a date. Earlier entries are kept.</summary>
public sealed record class BeneficiaryStatusChangeRequest
{
    /// <example>2026-12-01</example>
    public required DateOnly EffectiveFrom { get; init; }

    /// <example>minimum-living</example>
    public required string Category { get; init; }

    public required bool Active { get; init; }
}

/// <summary>How a CSV import treats bad rows.</summary>
[JsonConverter(typeof(StrictEnumConverter<BeneficiaryImportMode>))]
public enum BeneficiaryImportMode
{
    /// <summary>Any bad row and nothing is imported; every bad row is reported.</summary>
    [JsonStringEnumMemberName("all-or-nothing")]
    AllOrNothing,

    /// <summary>The good rows are imported and the bad ones reported.</summary>
    [JsonStringEnumMemberName("valid-rows")]
    ValidRows,
}

/// <summary>What a CSV import did.</summary>
public sealed record class BeneficiaryImportReport
{
    public required BeneficiaryImportMode Mode { get; init; }

    /// <summary>Data rows in the file (the header and empty lines not counted).</summary>
    public required long RowsRead { get; init; }

    /// <summary>Beneficiaries registered by this import: 0 when it was not committed.</summary>
    public required long Imported { get; init; }

    /// <summary>Bad rows.</summary>
    public required long Rejected { get; init; }

    /// <summary>Whether the import was committed: false when all-or-nothing met a bad row.</summary>
    public required bool Committed { get; init; }

    /// <summary>The bad rows in file order, one entry each, up to the first 1,000.</summary>
    public required IReadOnlyList<BeneficiaryImportError> Errors { get; init; }

    /// <summary>Bad rows beyond those listed in <see cref="Errors"/>.</summary>
    public required long ErrorsNotListed { get; init; }
}

/// <summary>A bad row of an import.</summary>
public sealed record class BeneficiaryImportError
{
    /// <summary>The 1-based line of the file where the row starts (the header is line 1).</summary>
    /// <example>17</example>
    public required long Line { get; init; }

    /// <summary>What is wrong, field by field.</summary>
    /// <example>category: unknown category 'poor'.</example>
    public required string Reason { get; init; }

    /// <summary>The row's ID number, masked, when it has one.</summary>
    /// <example>1401**********0026</example>
    public string? IdNumberMasked { get; init; }
}
