// Points the embedded frame at the URL given in ?frame= (another origin, so
// the SDK inside cannot call this page's __tcfapi directly).
document.getElementById('embed').src = new URLSearchParams(location.search).get('frame') || 'about:blank';
