using MedicalAid.Api.Units;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedicalAid.Api.Beneficiaries;

/// <summary>A beneficiary category (救助对象类别): data, so a region can add its own.</summary>
public sealed class Category
{
    public required string Code { get; set; }

    public required string Name { get; set; }
}

/// <summary>A registered assistance beneficiary (救助对象).</summary>
public sealed class Beneficiary
{
    public long Id { get; set; }

    public required string IdNumber { get; set; }

    public required string Name { get; set; }

    public required string DivisionCode { get; set; }

    /// <summary>The office the person belongs to (a township, or a district where no township is given).</summary>
    public long UnitId { get; set; }

    public OrganisationUnit? Unit { get; set; }

    public List<BeneficiaryStatusChange> StatusHistory { get; init; } = [];

    /// <summary>The status in force on <paramref name="date"/>: the latest change effective on or before it.</summary>
    public BeneficiaryStatusChange? StatusOn(DateOnly date) =>
        StatusHistory.Where(change => change.EffectiveFrom <= date)
            .OrderByDescending(change => change.EffectiveFrom)
            .ThenByDescending(change => change.Id)
            .FirstOrDefault();
}

/// <summary>A change of category or of active/inactive, effective from a date. History is kept, never rewritten.</summary>
public sealed class BeneficiaryStatusChange
{
    public long Id { get; set; }

    public long BeneficiaryId { get; set; }

    public DateOnly EffectiveFrom { get; set; }

    public required string CategoryCode { get; set; }

    public bool IsActive { get; set; }
}

internal sealed class CategoryConfiguration : IEntityTypeConfiguration<Category>
{
    public void Configure(EntityTypeBuilder<Category> builder)
    {
        builder.HasKey(category => category.Code);
        builder.Property(category => category.Code).HasMaxLength(64);
        builder.Property(category => category.Name).HasMaxLength(64);
    }
}

internal sealed class BeneficiaryConfiguration : IEntityTypeConfiguration<Beneficiary>
{
    public void Configure(EntityTypeBuilder<Beneficiary> builder)
    {
        builder.Property(beneficiary => beneficiary.IdNumber).HasMaxLength(18);
        builder.Property(beneficiary => beneficiary.Name).HasMaxLength(64);
        builder.Property(beneficiary => beneficiary.DivisionCode).HasMaxLength(6);
        builder.HasIndex(beneficiary => beneficiary.IdNumber).IsUnique();
        builder.HasIndex(beneficiary => beneficiary.UnitId);
        builder.HasOne(beneficiary => beneficiary.Unit).WithMany().HasForeignKey(beneficiary => beneficiary.UnitId).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(beneficiary => beneficiary.StatusHistory).WithOne().HasForeignKey(change => change.BeneficiaryId);
    }
}

internal sealed class BeneficiaryStatusChangeConfiguration : IEntityTypeConfiguration<BeneficiaryStatusChange>
{
    public void Configure(EntityTypeBuilder<BeneficiaryStatusChange> builder)
    {
        builder.Property(change => change.CategoryCode).HasMaxLength(64);
        builder.HasOne<Category>().WithMany().HasForeignKey(change => change.CategoryCode);
        builder.HasIndex(change => new { change.BeneficiaryId, change.EffectiveFrom });
    }
}
