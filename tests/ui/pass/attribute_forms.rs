// Every attribute form compiles when the migrations agree: sqlx renames, composite keys,
// named indexes, `sql_type`, `column`, `skip`, `cfg_attr`, and the `inventory` registry.
use strata::Model;

#[derive(Model)]
#[strata(migrations = "forms", primary_key(tenant, slug), unique(columns(tenant, title), name = "uq_pages_title"))]
#[strata(index(columns(tenant, updated_at), name = "ix_pages_updated"))]
pub struct Pages {
    pub tenant: i32,
    #[sqlx(rename = "page_slug")]
    pub slug: String,
    #[strata(max_length = 120)]
    pub title: String,
    #[strata(sql_type = "TEXT", column = "content")]
    pub body: Option<String>,
    #[strata(check = "views >= 0", default = "0")]
    pub views: i64,
    pub updated_at: Option<time::PrimitiveDateTime>,
    pub id_bytes: Option<uuid::Uuid>,
    pub raw: Option<Vec<u8>>,
    pub ratio: Option<f32>,
    #[strata(skip)]
    pub cached: Option<std::collections::HashSet<String>>,
}

#[cfg_attr(all(), derive(Model))]
#[strata(migrations = "forms", table = "tags")]
pub struct Tag {
    #[strata(primary_key)]
    pub name: String,
}

fn main() {
    let names: Vec<&str> = strata::models().map(|t| t.name).collect();
    assert!(names.contains(&"pages") && names.contains(&"tags"), "{names:?}");
    assert_eq!(Pages::TABLE.column("page_slug").map(|c| c.field), Some("slug"));
    assert_eq!(Pages::TABLE.primary_key, ["tenant", "page_slug"]);
}
