//! The pharmacy's dashboard sections.

use crate::platform::capability::DashboardSection;

pub(crate) const SECTIONS: &[DashboardSection] = &[];
