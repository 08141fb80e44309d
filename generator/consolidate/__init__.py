"""Consolidate stage, between graph and render: merges each night's new meta articles into
their definitive articles (design step 3). Not built yet: `generator.pipeline.build` marks the
place where it will run.
"""
