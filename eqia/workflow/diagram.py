def render_svg(definition):
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"></svg>"
