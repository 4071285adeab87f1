using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedicalAid.Api.Units;

/// <summary>The administrative level of an office: a city holds districts, a district holds townships and streets.</summary>
public enum UnitLevel
{
    City,
    District,
    Township,
}

/// <summary>
/// A civil-affairs office (组织机构): city (市), district (区/县) or township/street (乡镇/街道). Beneficiaries belong
/// to one; staff see only their unit's subtree.
/// </summary>
public sealed class OrganisationUnit
{
    public const int MaxCodeLength = 12;
    public const int MaxNameLength = 64;

    public long Id { get; set; }

    /// <summary>The unit's code (usually its administrative division code, e.g. 140109001); never changes.</summary>
    public required string Code { get; set; }

    public required string Name { get; set; }

    public UnitLevel Level { get; set; }

    public long? ParentId { get; set; }

    /// <summary>
    /// The codes from the root down to this unit, each followed by '/': "/140100/140109/140109001/". A subtree is every
    /// unit whose path starts with its root's, so scope is one indexed prefix match inside the query that reads the rows.
    /// </summary>
    public required string Path { get; set; }

    public static string PathOf(string? parentPath, string code) => $"{parentPath ?? "/"}{code}/";

    /// <summary>A new unit under <paramref name="parent"/> (a city without one), one level below it.</summary>
    public static OrganisationUnit Under(OrganisationUnit? parent, string code, string name) => new()
    {
        Code = code,
        Name = name,
        Level = parent is null ? UnitLevel.City : ChildLevel(parent.Level) ?? throw new InvalidOperationException("A township has no units under it."),
        ParentId = parent?.Id,
        Path = PathOf(parent?.Path, code),
    };

    /// <summary>The level a child of a unit of <paramref name="parent"/> level has; null under a township.</summary>
    public static UnitLevel? ChildLevel(UnitLevel parent) => parent switch
    {
        UnitLevel.City => UnitLevel.District,
        UnitLevel.District => UnitLevel.Township,
        _ => null,
    };
}

internal sealed class OrganisationUnitConfiguration : IEntityTypeConfiguration<OrganisationUnit>
{
    public void Configure(EntityTypeBuilder<OrganisationUnit> builder)
    {
        builder.ToTable("OrganisationUnits");
        builder.Property(unit => unit.Code).HasMaxLength(OrganisationUnit.MaxCodeLength);
        builder.Property(unit => unit.Name).HasMaxLength(OrganisationUnit.MaxNameLength);
        builder.Property(unit => unit.Level).HasConversion<string>().HasMaxLength(16);
        // Three levels of codes of at most 12 characters, with separators.
        builder.Property(unit => unit.Path).HasMaxLength(64);
        builder.HasIndex(unit => unit.Code).IsUnique();
        builder.HasIndex(unit => unit.Path).IsUnique();
        builder.HasOne<OrganisationUnit>().WithMany().HasForeignKey(unit => unit.ParentId).OnDelete(DeleteBehavior.Restrict);
    }
}
