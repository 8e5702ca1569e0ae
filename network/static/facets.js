// Search facets: a collapsible block above the results on a phone, open beside them on a wide screen.
const facets = document.getElementById("facets");
if (facets && window.matchMedia("(min-width: 52rem)").matches) facets.open = true;
