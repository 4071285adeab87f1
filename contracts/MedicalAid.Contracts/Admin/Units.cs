namespace MedicalAid.Contracts.Admin;

/// <summary>A civil-affairs office in the unit tree, with the units under it.</summary>
public sealed record class UnitNode
{
    /// <example>140109001</example>
    public required string Code { get; init; }

    /// <example>千峰街道</example>
    public required string Name { get; init; }

    /// <summary>city, district or township.</summary>
    /// <example>township</example>
    public required string Level { get; init; }

    /// <summary>The parent unit's code; null for a city.</summary>
    /// <example>140109</example>
    public string? ParentCode { get; init; }

    /// <summary>The units directly under this one, by code.</summary>
    public required IReadOnlyList<UnitNode> Children { get; init; }
}

/// <summary>Creates a unit: a city (no parent), a district under a city, or a township/street under a district.</summary>
public sealed record class CreateUnitRequest
{
    /// <summary>1 to 12 digits or ASCII letters, unique; usually the administrative division code. Never changes.</summary>
    /// <example>140109003</example>
    public required string Code { get; init; }

    /// <summary>1 to 64 characters.</summary>
    /// <example>和平街道</example>
    public required string Name { get; init; }

    /// <summary>The parent's code; leave out for a city.</summary>
    /// <example>140109</example>
    public string? ParentCode { get; init; }
}

/// <summary>Renames a unit and/or moves it under another parent of the level above its own.</summary>
public sealed record class UpdateUnitRequest
{
    /// <example>和平街道</example>
    public required string Name { get; init; }

    /// <summary>The new parent's code; leave out to keep the parent (a city has none).</summary>
    /// <example>140109</example>
    public string? ParentCode { get; init; }
}
