"""The only Streamlit-aware code: cached loaders, state keys, widgets and the st_folium glue."""
