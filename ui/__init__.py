"""The Gradio chat: rendering (render.py, pure) and wiring (app.py)."""
