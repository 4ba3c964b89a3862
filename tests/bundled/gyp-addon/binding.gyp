{
  "targets": [
    {
      "target_name": "gyp_addon",
      "sources": ["addon.c"],
      "dependencies": ["<!(node -p \"require('libextref').gyp\")"]
    }
  ]
}
